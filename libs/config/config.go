// Package config reads typed configuration from the environment.
//
// Every secret can also come from a file: NAME_FILE names a file whose content (trimmed)
// is the value, the way Kubernetes mounts Secrets. A Loader collects every problem and
// reports them all at once, so an operator fixes a broken deployment in one round.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// LookupFunc finds an environment variable; os.LookupEnv in production, a map in tests.
type LookupFunc func(string) (string, bool)

// ReadFileFunc reads a secret file; os.ReadFile in production.
type ReadFileFunc func(string) ([]byte, error)

// Loader reads variables and accumulates errors.
type Loader struct {
	lookup   LookupFunc
	readFile ReadFileFunc
	errs     []error
}

// FromEnv returns a Loader over the process environment and file system.
func FromEnv() *Loader { return New(os.LookupEnv, os.ReadFile) }

// New returns a Loader over the given sources.
func New(lookup LookupFunc, readFile ReadFileFunc) *Loader {
	return &Loader{lookup: lookup, readFile: readFile}
}

// String returns the variable or def when unset or empty.
func (l *Loader) String(name, def string) string {
	if v, ok := l.lookup(name); ok && v != "" {
		return v
	}
	return def
}

// Secret returns NAME, or the content of the file named by NAME_FILE, or def. Setting
// both is an error: the operator meant one of them and we must not guess which.
func (l *Loader) Secret(name, def string) string {
	v, hasValue := l.lookup(name)
	path, hasFile := l.lookup(name + "_FILE")
	hasValue, hasFile = hasValue && v != "", hasFile && path != ""
	switch {
	case hasValue && hasFile:
		l.errs = append(l.errs, fmt.Errorf("%s and %s_FILE are both set; set one", name, name))
		return ""
	case hasFile:
		b, err := l.readFile(path)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s_FILE: %w", name, err))
			return ""
		}
		return strings.TrimSpace(string(b))
	case hasValue:
		return v
	}
	return def
}

// Bool parses a boolean variable.
func (l *Loader) Bool(name string, def bool) bool {
	v := l.String(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %q is not a boolean", name, v))
		return def
	}
	return b
}

// Int parses an integer variable and checks it against [min, max].
func (l *Loader) Int(name string, def, min, max int) int {
	v := l.String(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %q is not an integer", name, v))
		return def
	}
	if n < min || n > max {
		l.errs = append(l.errs, fmt.Errorf("%s: %d is outside [%d, %d]", name, n, min, max))
		return def
	}
	return n
}

// Duration parses a Go duration variable (e.g. "30m") that must be positive.
func (l *Loader) Duration(name string, def time.Duration) time.Duration {
	v := l.String(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		l.errs = append(l.errs, fmt.Errorf("%s: %q is not a positive duration", name, v))
		return def
	}
	return d
}

// DurationOrZero is Duration for a setting that 0 turns off: it accepts 0 as well.
func (l *Loader) DurationOrZero(name string, def time.Duration) time.Duration {
	v := l.String(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		l.errs = append(l.errs, fmt.Errorf("%s: %q is not a duration of 0 or more", name, v))
		return def
	}
	return d
}

// List splits a comma-separated variable, dropping blanks.
func (l *Loader) List(name string) []string {
	var out []string
	for _, part := range strings.Split(l.String(name, ""), ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Require records an error when value is empty.
func (l *Loader) Require(name, value string) {
	if value == "" {
		l.errs = append(l.errs, fmt.Errorf("%s is required", name))
	}
}

// Check records err (if any) as a configuration problem.
func (l *Loader) Check(err error) {
	if err != nil {
		l.errs = append(l.errs, err)
	}
}

// Err returns every problem found, joined, or nil.
func (l *Loader) Err() error { return errors.Join(l.errs...) }
