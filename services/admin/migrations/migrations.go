// Package migrations embeds the admin schema's SQL migrations, applied in order by
// `admin migrate` (a Helm hook Job in the cluster, automatic in `make run`).
package migrations

import "embed"

// FS holds the NNN_name.sql files.
//
//go:embed *.sql
var FS embed.FS
