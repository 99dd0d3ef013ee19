package config_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/config"
)

func loader(env map[string]string, files map[string]string) *config.Loader {
	return config.New(func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		func(p string) ([]byte, error) {
			if v, ok := files[p]; ok {
				return []byte(v), nil
			}
			return nil, fs.ErrNotExist
		})
}

func TestSecretFromFile(t *testing.T) {
	l := loader(map[string]string{"DB_FILE": "/run/secrets/db"}, map[string]string{"/run/secrets/db": "postgres://x\n"})
	if got := l.Secret("DB", "def"); got != "postgres://x" {
		t.Fatalf("got %q", got)
	}
	if l.Err() != nil {
		t.Fatal(l.Err())
	}
}

func TestAllErrorsReportedAtOnce(t *testing.T) {
	l := loader(map[string]string{
		"A": "x", "A_FILE": "/f", "N": "nope", "D": "-1s", "B": "maybe", "M": "99",
	}, nil)
	l.Secret("A", "")
	l.Int("N", 1, 0, 10)
	l.Int("M", 1, 0, 10)
	l.Duration("D", time.Second)
	l.Bool("B", false)
	l.Require("R", "")
	l.Secret("MISSING", "")
	l.Check(errors.New("custom"))
	err := l.Err()
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, want := range []string{"A and A_FILE", "N:", "M: 99", "D:", "B:", "R is required", "custom"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestDefaultsAndList(t *testing.T) {
	l := loader(map[string]string{"L": " a, ,b "}, nil)
	if l.String("X", "d") != "d" || l.Int("I", 7, 0, 10) != 7 || !l.Bool("B", true) {
		t.Fatal("defaults not applied")
	}
	if got := l.List("L"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("list = %q", got)
	}
}
