module github.com/planta-dev/planta/services/inventory

go 1.26.8
