module github.com/planta-dev/planta/services/allocation

go 1.26.8
