module github.com/planta-dev/planta/services/identity

go 1.26.8
