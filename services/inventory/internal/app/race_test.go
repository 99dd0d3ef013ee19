package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
)

// raceIterations is how often each pair of state transitions is raced: the losing
// interleaving of a check-then-act race shows up in a few tries out of ten.
const raceIterations = 30

// outcome is one side of a race.
type outcome struct {
	code int
	body []byte
}

// race runs a and b at the same time (released together) and returns both outcomes.
func race(a, b func() outcome) (outcome, outcome) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	var ra, rb outcome
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-start
		ra = a()
	}()
	go func() {
		defer wg.Done()
		<-start
		rb = b()
	}()
	close(start)
	wg.Wait()
	return ra, rb
}

func (c *client) call(method, path string, body any) func() outcome {
	return func() outcome {
		code, b, _ := c.do(method, path, body)
		return outcome{code, b}
	}
}

// problemType is the slug of a problem+json body ("" if it is none).
func problemType(body []byte) string {
	var p struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &p)
	return strings.TrimPrefix(p.Type, "https://planta.dev/problems/")
}

// exactlyOne fails unless exactly one of the outcomes succeeded (2xx) and the other got a
// 409 problem whose type is one of slugs (any type when none is given). It returns
// whether the first one won.
func exactlyOne(t *testing.T, iter int, a, b outcome, slugs ...string) bool {
	t.Helper()
	okA, okB := a.code/100 == 2, b.code/100 == 2
	if okA == okB {
		t.Fatalf("iteration %d: want exactly one success, got %d %s / %d %s", iter, a.code, a.body, b.code, b.body)
	}
	loser := b
	if okB {
		loser = a
	}
	if loser.code != http.StatusConflict {
		t.Fatalf("iteration %d: the loser got %d, want 409: %s", iter, loser.code, loser.body)
	}
	if len(slugs) > 0 {
		got := problemType(loser.body)
		found := false
		for _, s := range slugs {
			found = found || got == s
		}
		if !found {
			t.Fatalf("iteration %d: the loser's problem is %q, want one of %v: %s", iter, got, slugs, loser.body)
		}
	}
	return okA
}

// dispatchedRequirement creates a requirement of two units (reserved) and dispatches it.
func (c *client) dispatchedRequirement(f fixture) (reqID, dispID string) {
	c.e.t.Helper()
	req := c.create("/requirements", obj{"warehouse_id": f.obra, "budget_id": f.budget, "items": []obj{{"material_id": f.materials[0], "qty": "2"}}})
	d := c.create("/dispatches", obj{"requirement_id": req["id"]})
	return req["id"].(string), d["id"].(string)
}

type dispatchState struct {
	Status   string `json:"status"`
	Received bool   `json:"received"`
}

// TestRaceDispatchTransitions races the transitions of one dispatch — cancel against a
// full or partial receipt, two receipts, two cancellations — many times: exactly one
// side wins, the other gets the 409 problem, the dispatch ends in the winner's state,
// and the stock, reservations and ledger stay consistent.
func TestRaceDispatchTransitions(t *testing.T) {
	type side struct {
		name string
		call func(c *client, m, disp string) func() outcome
	}
	cancel := side{"cancel", func(c *client, _, d string) func() outcome {
		return c.call(http.MethodPost, "/dispatches/"+d+"/cancel", obj{"reason": "race"})
	}}
	receive := side{"receive", func(c *client, m, d string) func() outcome {
		return c.call(http.MethodPost, "/receipts", obj{"dispatch_id": d})
	}}
	receivePart := side{"receive partly", func(c *client, m, d string) func() outcome {
		return c.call(http.MethodPost, "/receipts", obj{"dispatch_id": d, "items": []obj{{"material_id": m, "received_qty": "1.5", "reason": "short"}}})
	}}
	for _, tc := range []struct {
		a, b  side
		slugs []string
	}{
		{cancel, receive, []string{"already-received", "dispatch-cancelled"}},
		{receivePart, cancel, []string{"already-received", "dispatch-cancelled"}},
		{receive, receivePart, []string{"already-received"}},
		{cancel, cancel, []string{"dispatch-cancelled"}},
	} {
		t.Run(tc.a.name+" vs "+tc.b.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.cliente()
			f := c.setup(1)
			c.addStock(f, f.materials[0], "1000", &f.budget)
			for i := 0; i < raceIterations; i++ {
				_, d := c.dispatchedRequirement(f)
				ra, rb := race(tc.a.call(c, f.materials[0], d), tc.b.call(c, f.materials[0], d))
				aWon := exactlyOne(t, i, ra, rb, tc.slugs...)
				winner := tc.a.name
				if !aWon {
					winner = tc.b.name
				}
				var got dispatchState
				c.must(http.MethodGet, "/dispatches/"+d, nil, 200, &got)
				want := dispatchState{Status: "active", Received: true}
				if winner == "cancel" {
					want = dispatchState{Status: "cancelled"}
				}
				if got != want {
					t.Fatalf("iteration %d: %s won but the dispatch is %+v", i, winner, got)
				}
				invariants(t, c.tenant)
			}
			c.reconcile()
		})
	}
}

// TestRaceRequirementCancelVsDispatch: cancelling a requirement and dispatching all of it
// exclude each other.
func TestRaceRequirementCancelVsDispatch(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(1)
	c.addStock(f, f.materials[0], "1000", &f.budget)
	for i := 0; i < raceIterations; i++ {
		req := c.create("/requirements", obj{"warehouse_id": f.obra, "budget_id": f.budget, "items": []obj{{"material_id": f.materials[0], "qty": "3"}}})
		id := req["id"].(string)
		ra, rb := race(c.call(http.MethodPost, "/requirements/"+id+"/cancel", obj{"reason": "race"}),
			c.call(http.MethodPost, "/dispatches", obj{"requirement_id": id}))
		cancelled := exactlyOne(t, i, ra, rb)
		var got obj
		c.must(http.MethodGet, "/requirements/"+id, nil, 200, &got)
		if want := map[bool]string{true: "cancelled", false: "fulfilled"}[cancelled]; got["status"] != want {
			t.Fatalf("iteration %d: requirement is %v, want %s", i, got["status"], want)
		}
		invariants(t, c.tenant)
	}
	c.reconcile()
}

// TestRaceUnfreezeTwice: two unfreezes of one frozen line: one moves the stock, the other
// finds the line no longer frozen.
func TestRaceUnfreezeTwice(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(1)
	for i := 0; i < raceIterations; i++ {
		b := c.create("/budgets", obj{"name": fmt.Sprintf("Congelado %d", i)})["id"].(string)
		line := c.addStock(f, f.materials[0], "4", &b)["line"].(obj)["id"].(string)
		c.must(http.MethodDelete, "/budgets/"+b, nil, 200, nil)
		path := "/stock-lines/" + line + "/unfreeze"
		ra, rb := race(c.call(http.MethodPost, path, obj{"budget_id": nil}), c.call(http.MethodPost, path, obj{"budget_id": nil}))
		exactlyOne(t, i, ra, rb, "not-frozen")
		invariants(t, c.tenant)
	}
	var free struct{ Items []obj }
	c.must(http.MethodGet, "/stock-lines?no_budget=true", nil, 200, &free)
	if len(free.Items) != 1 || free.Items[0]["on_hand"] != fmt.Sprint(4*raceIterations) {
		t.Fatalf("unassigned stock after the unfreezes: %v", free.Items)
	}
	c.reconcile()
}

// TestRaceAddStockVsReactivate: stock added to a project while it is reactivated ends
// with its cost locked (never floating on an active project), whichever commits first.
func TestRaceAddStockVsReactivate(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(1)
	for i := 0; i < raceIterations; i++ {
		b := c.create("/budgets", obj{"name": fmt.Sprintf("Pausado %d", i)})["id"].(string)
		c.must(http.MethodPost, "/budgets/"+b+"/deactivate", obj{"reason": "pausa", "reactivation_date": "2999-01-01"}, 200, nil)
		ra, rb := race(c.call(http.MethodPost, "/stock-additions", obj{"warehouse_id": f.principal, "material_id": f.materials[0], "budget_id": b, "qty": "2"}),
			c.call(http.MethodPost, "/budgets/"+b+"/reactivate", obj{"reason": "reinicio"}))
		if ra.code != 201 || rb.code != 200 {
			t.Fatalf("iteration %d: add %d %s, reactivate %d %s", i, ra.code, ra.body, rb.code, rb.body)
		}
		var floating, locked decimal.Decimal
		if err := pool.QueryRow(context.Background(), `SELECT coalesce(sum(floating_qty), 0), coalesce(sum(locked_cost_pen), 0) FROM inventory.stock_lines WHERE budget_id = $1`, b).
			Scan(&floating, &locked); err != nil {
			t.Fatal(err)
		}
		if !floating.IsZero() || !locked.Equal(decimal.RequireFromString("25")) {
			t.Fatalf("iteration %d: active project has floating %s, locked %s (want 0 and 25)", i, floating, locked)
		}
		invariants(t, c.tenant)
	}
}

// TestRaceCreateRequirementVsDeleteBudget: a requirement created while its project is
// deleted is either refused or cancelled with the project; none stays open on a deleted
// project holding stock.
func TestRaceCreateRequirementVsDeleteBudget(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(1)
	c.addStock(f, f.materials[0], "1000", nil)
	for i := 0; i < raceIterations; i++ {
		b := c.create("/budgets", obj{"name": fmt.Sprintf("Borrado %d", i)})["id"].(string)
		ra, rb := race(c.call(http.MethodPost, "/requirements", obj{"warehouse_id": f.obra, "budget_id": b, "items": []obj{{"material_id": f.materials[0], "qty": "1"}}}),
			c.call(http.MethodDelete, "/budgets/"+b, nil))
		if rb.code != 200 || (ra.code != 201 && ra.code != 404) {
			t.Fatalf("iteration %d: create %d %s, delete %d %s", i, ra.code, ra.body, rb.code, rb.body)
		}
		if ra.code == 201 {
			var got obj
			c.must(http.MethodGet, "/requirements/"+idOf(t, ra.body), nil, 200, &got)
			if got["status"] != "cancelled" {
				t.Fatalf("iteration %d: requirement of a deleted project is %v", i, got["status"])
			}
		}
		invariants(t, c.tenant)
	}
	c.reconcile()
}
