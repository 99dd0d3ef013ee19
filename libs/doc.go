// Package libs is the root of Planta's shared libraries. Each subpackage is small and
// documented on its own: observability, httpserver, problem, jsonbody, config, authn,
// pgxx, redisx, ingress and service.
package libs
