package service_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/service"
)

func TestVersionAndUsage(t *testing.T) {
	spec := service.Spec{Name: "demo", Version: "1.2.3", Commands: map[string]service.Command{
		"unlock": {Help: "unlock an account"},
	}}
	var out bytes.Buffer
	if err := service.Run(context.Background(), spec, []string{"version"}, &out); err != nil || out.String() != "demo 1.2.3\n" {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	out.Reset()
	err := service.Run(context.Background(), spec, []string{"frobnicate"}, &out)
	if err == nil || !strings.Contains(err.Error(), "frobnicate") || !strings.Contains(out.String(), "unlock") {
		t.Fatalf("unknown command: err %v, usage %q", err, out.String())
	}
}

func TestConfigurationErrorsAreReportedTogether(t *testing.T) {
	t.Setenv("PLANTA_POSTGRES_URL", "postgres://x")
	t.Setenv("PLANTA_POSTGRES_URL_FILE", "/nonexistent")
	t.Setenv("PLANTA_SHUTDOWN_DELAY", "soon")
	err := service.Run(context.Background(), service.Spec{Name: "demo", Schema: "demo"}, []string{"migrate"}, &bytes.Buffer{})
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"PLANTA_POSTGRES_URL and PLANTA_POSTGRES_URL_FILE", "PLANTA_SHUTDOWN_DELAY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}
