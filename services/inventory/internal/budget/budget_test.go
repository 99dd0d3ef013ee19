package budget

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var now = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

func TestLifecycle(t *testing.T) {
	if _, err := Deactivate(Active, Transition{Reason: "x", ReactivationDate: "2026-03-10"}, now); err != nil {
		t.Fatalf("today is allowed: %v", err)
	}
	if _, err := Deactivate(Active, Transition{Reason: "x", ReactivationDate: "2026-03-09"}, now); err == nil {
		t.Fatal("past date accepted")
	}
	if _, err := Deactivate(Inactive, Transition{Reason: "x", ReactivationDate: "2026-04-01"}, now); err == nil {
		t.Fatal("deactivated twice")
	}
	if _, err := Extend(Active, Transition{Reason: "x", ReactivationDate: "2026-04-01"}, now); err == nil {
		t.Fatal("extended an active budget")
	}
	if Reactivate(Inactive, Transition{}) == nil || Reactivate(Inactive, Transition{Reason: "ok"}) != nil {
		t.Fatal("reactivation needs a reason")
	}
	if FinishProject(Finished) == nil || Reopen(Active) == nil || Reopen(Finished) != nil {
		t.Fatal("finish/reopen")
	}
}

func TestReactivationDue(t *testing.T) {
	d := "2026-03-10"
	b := Budget{Status: Inactive, ReactivationDate: &d}
	b.Finish(now)
	if !b.ReactivationDue {
		t.Fatal("due today")
	}
}

func TestConfirmationCode(t *testing.T) {
	if got := ConfirmationCode(now, 42); got != "AD-20260310-00042" {
		t.Fatal(got)
	}
}

func TestConsumptionFloorsAvailability(t *testing.T) {
	c := Consumption{AmountPEN: decimal.NewFromInt(100), LockedPEN: decimal.NewFromInt(80), LostPEN: decimal.NewFromInt(30)}
	c.Total()
	if !c.ConsumedPEN.Equal(decimal.NewFromInt(110)) || !c.AvailablePEN.IsZero() || !c.UtilisationPct.Equal(decimal.NewFromInt(110)) {
		t.Fatalf("%+v", c)
	}
}

func TestDocuments(t *testing.T) {
	if ValidDocuments(nil) == nil || ValidDocuments([]Document{{Name: "../etc/passwd"}}) == nil || ValidDocuments([]Document{{URL: "javascript:alert(1)"}}) == nil {
		t.Fatal("bad documents accepted")
	}
	if err := ValidDocuments([]Document{{Name: "acta.pdf"}, {URL: "https://x.example/doc"}}); err != nil {
		t.Fatal(err)
	}
}
