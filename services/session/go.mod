module github.com/planta-dev/planta/services/session

go 1.26.8
