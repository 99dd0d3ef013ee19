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

func TestDurationOrZero(t *testing.T) {
	l := loader(map[string]string{"OFF": "0", "ON": "1500ms", "NEG": "-1s", "BAD": "soon"}, nil)
	if d := l.DurationOrZero("OFF", time.Second); d != 0 {
		t.Errorf("OFF = %v, want 0", d)
	}
	if d := l.DurationOrZero("ON", time.Second); d != 1500*time.Millisecond {
		t.Errorf("ON = %v", d)
	}
	if d := l.DurationOrZero("UNSET", time.Second); d != time.Second {
		t.Errorf("UNSET = %v, want the default", d)
	}
	if l.Err() != nil {
		t.Fatalf("valid values refused: %v", l.Err())
	}
	l.DurationOrZero("NEG", time.Second)
	l.DurationOrZero("BAD", time.Second)
	if err := l.Err(); err == nil || !strings.Contains(err.Error(), "NEG") || !strings.Contains(err.Error(), "BAD") {
		t.Fatalf("errors = %v, want NEG and BAD named", err)
	}
	if l.Duration("OFF", time.Second); !strings.Contains(l.Err().Error(), "OFF") {
		t.Fatal("Duration must still refuse 0")
	}
}
