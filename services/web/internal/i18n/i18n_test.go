package i18n

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/services/web/internal/templates"
)

func TestEveryLanguageHasEveryKey(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, l := range Langs {
		for _, k := range c.Keys(l) {
			all[k] = true
		}
	}
	for _, l := range Langs {
		for k := range all {
			if !c.Has(l, k) {
				t.Errorf("%s: missing %q", l, k)
			}
		}
		for _, k := range c.Keys(l) {
			if strings.TrimSpace(c.msgs[l][k]) == "" {
				t.Errorf("%s: %q is empty", l, k)
			}
		}
	}
	// Placeholders must agree across languages, or a translation would print %!d(MISSING).
	verbs := regexp.MustCompile(`%[a-z]`)
	for k := range all {
		want := strings.Join(verbs.FindAllString(c.msgs[EN][k], -1), "")
		for _, l := range Langs {
			if got := strings.Join(verbs.FindAllString(c.msgs[l][k], -1), ""); got != want {
				t.Errorf("%s %q: verbs %q, English has %q", l, k, got, want)
			}
		}
	}
}

// TestEveryUsedKeyExists reads the templates and the Go sources for message keys and
// checks the catalog has them (dynamic keys such as "role." + role are listed here).
func TestEveryUsedKeyExists(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := templates.Sources()
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, s := range srcs {
		text.WriteString(s)
	}
	goFiles, _ := filepath.Glob("../pages/*.go")
	for _, f := range goFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(string(b))
	}
	used := regexp.MustCompile(`(?:\.T |T\()"([a-z_]+\.[a-zA-Z0-9_.]+)"|add\("[^"]+", "([a-z_]+\.[a-z_]+)"\)|"(flash\.[a-z_]+)"`)
	n := 0
	for _, m := range used.FindAllStringSubmatch(text.String(), -1) {
		key := m[1] + m[2] + m[3]
		n++
		if !c.Has(EN, key) {
			t.Errorf("key %q is used but not in the catalog", key)
		}
	}
	if n < 100 {
		t.Fatalf("found only %d key uses: the pattern is broken", n)
	}
	dynamic := map[string][]string{
		"role.":           {"cliente", "admin", "superadmin"},
		"status.":         {"pending", "partial", "fulfilled", "cancelled"},
		"item.":           {"pending", "reserved", "partial", "fulfilled"},
		"movement.":       {"IN", "OUT", "ADJUST", "TRANSFER"},
		"warehouse.":      {"principal", "obra"},
		"receipt.":        {"complete", "partial"},
		"solve.status.":   {"running", "succeeded", "failed", "cancelled"},
		"solve.mode.":     {"full", "minimal_perturbation"},
		"budget.event.":   {"created", "edited", "deactivated", "reactivated", "extended", "finished", "reopened"},
		"stock.deletion.": {"lost", "returned", "restore"},
		"day.":            {"1", "2", "3", "4", "5", "6", "7"},
		"recurrence.":     {"single", "daily", "weekly", "monthly_by_day", "monthly_by_weekday"},
		"outcome.":        {"success", "bad_credentials", "locked", "disabled", "rate_limited", "error", "break_glass_unlock", "break_glass_reset"},
		"flash.user_":     {"disable", "enable", "unlock"},
		"mrp.policy.":     {"lot_for_lot", "fixed_order_quantity", "eoq", "period_order_quantity", "wagner_whitin", "silver_meal"},
		"mrp.exc.":        {"expedite", "defer", "cancel", "release_past_due", "below_safety_stock", "lead_time_violation"},
		"mrp.peg.":        {"demand", "safety_stock", "excess"},
		"mrp.source.":     {"make", "buy"},
		"mrp.kind.":       {"regenerative", "net_change"},
		"mrp.bucket.":     {"day", "week"},
		"mrp.demand.":     {"forecast", "mps"},
	}
	for prefix, vals := range dynamic {
		for _, v := range vals {
			if !c.Has(EN, prefix+v) {
				t.Errorf("dynamic key %q missing", prefix+v)
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		cookie, accept string
		want           Lang
	}{
		{"", "", ES},
		{"", "pt-BR,pt;q=0.9,en;q=0.8", PT},
		{"", "en-US,en;q=0.9", EN},
		{"", "fr-FR, en;q=0.5, pt;q=0.7", PT},
		{"en", "pt-BR", EN},
		{"xx", "pt-BR", PT},
		{"", "de", ES},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.cookie != "" {
			r.Header.Set("Cookie", CookieName+"="+tc.cookie)
		}
		r.Header.Set("Accept-Language", tc.accept)
		if got := Negotiate(r); got != tc.want {
			t.Errorf("cookie %q accept %q: %s, want %s", tc.cookie, tc.accept, got, tc.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	lima, _ := time.LoadLocation("America/Lima")
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	es, pt, en := c.Locale(ES, lima), c.Locale(PT, sp), c.Locale(EN, lima)
	for _, tc := range []struct{ got, want string }{
		{es.Money("PEN", "1234.5"), "S/ 1,234.50"},
		{pt.Money("PEN", "1234.5"), "S/ 1.234,50"},
		{en.Money("USD", "1234567.555"), "US$ 1,234,567.56"},
		{es.Money("USD", "0"), "US$ 0.00"},
		{es.Money("PEN", "-9.995"), "S/ -10.00"},
		{es.Money("PEN", "99.994"), "S/ 99.99"},
		{es.Number("12345.500"), "12,345.5"},
		{pt.Number("12345.500"), "12.345,5"},
		{es.Number("-0.0"), "0"},
		{es.Number("abc"), "abc"},
		// 2025-03-01 15:00 UTC is 10:00 in Lima (UTC-5) and 12:00 in São Paulo (UTC-3).
		{es.DateTime(time.Date(2025, 3, 1, 15, 0, 0, 0, time.UTC)), "01/03/2025 10:00"},
		{pt.DateTime(time.Date(2025, 3, 1, 15, 0, 0, 0, time.UTC)), "01/03/2025 12:00"},
		{en.DateTime(time.Date(2025, 3, 1, 15, 0, 0, 0, time.UTC)), "Mar 1, 2025 10:00"},
		{es.DateTime(time.Time{}), "—"},
		{en.T("import.done", 1, 2, 3, 4), "Import finished: 1 created, 2 updated, 3 unchanged, 4 skipped."},
		{es.T("no.such.key"), "no.such.key"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
