// Package migrations embeds the allocation schema's SQL migrations, applied in order by
// `allocation migrate` (a Helm hook Job in the cluster, automatic in `make run`).
package migrations

import "embed"

// FS holds the NNN_name.sql files.
//
//go:embed *.sql
var FS embed.FS
