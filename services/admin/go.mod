module github.com/planta-dev/planta/services/admin

go 1.26.8
