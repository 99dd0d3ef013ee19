module github.com/planta-dev/planta/services/allocation

go 1.26.8

require (
	github.com/go-pdf/fpdf v0.9.0 // indirect
	github.com/gorilla/mux v1.8.1 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/pgx/v5 v5.13.0 // indirect
	github.com/prometheus/client_golang v1.25.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
