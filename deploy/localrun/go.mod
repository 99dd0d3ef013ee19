module github.com/planta-dev/planta/deploy/localrun

go 1.26.8
