package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/budget"
	"github.com/planta-dev/planta/services/inventory/internal/fault"
)

const budgetCols = `id::text, name, amount_pen, amount_usd, notes, status, deactivated_at, deactivation_reason, to_char(reactivation_date, 'YYYY-MM-DD'), finished_at, created_at, updated_at`

func (s *Store) scanBudget(r pgx.Row) (budget.Budget, error) {
	var b budget.Budget
	err := r.Scan(&b.ID, &b.Name, &b.AmountPEN, &b.AmountUSD, &b.Notes, &b.Status, &b.DeactivatedAt, &b.DeactivationReason, &b.ReactivationDate, &b.FinishedAt, &b.CreatedAt, &b.UpdatedAt)
	b.Finish(s.now())
	return b, err
}

// BudgetFilter filters budgets.
type BudgetFilter struct {
	Status string
	Q      string
}

// ListBudgets lists the tenant's (not deleted) budgets.
func (s *Store) ListBudgets(ctx context.Context, a Actor, f BudgetFilter, p Page) ([]budget.Budget, string, error) {
	w := newWhere("tenant_id", a.TenantID)
	w.add("deleted_at IS NULL")
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if f.Q != "" {
		w.add("(name ILIKE ? OR notes ILIKE ?)", likeEscape(f.Q), likeEscape(f.Q))
	}
	rows, err := s.pool.Query(ctx, `SELECT `+budgetCols+` FROM inventory.budgets`+w.page("id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (budget.Budget, error) { return s.scanBudget(r) })
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, func(b budget.Budget) string { return b.ID })
	return items, next, nil
}

// GetBudget returns one budget.
func (s *Store) GetBudget(ctx context.Context, a Actor, id string) (budget.Budget, error) {
	return s.getBudget(ctx, s.pool, a, id, false)
}

func (s *Store) getBudget(ctx context.Context, q querier, a Actor, id string, lock bool) (budget.Budget, error) {
	if err := checkID("budget", "id", id); err != nil {
		return budget.Budget{}, err
	}
	sql := `SELECT ` + budgetCols + ` FROM inventory.budgets WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`
	if lock {
		sql += ` FOR UPDATE`
	}
	b, err := s.scanBudget(q.QueryRow(ctx, sql, a.TenantID, id))
	return b, notFound(err, "budget", "id")
}

func addEvent(ctx context.Context, tx pgx.Tx, a Actor, budgetID string, kind budget.EventKind, prev, next *string, reason string) error {
	_, err := tx.Exec(ctx, `INSERT INTO inventory.budget_events (tenant_id, budget_id, kind, previous_date, new_date, reason, actor_id) VALUES ($1,$2,$3,$4::date,$5::date,$6,$7)`,
		a.TenantID, budgetID, kind, prev, next, reason, a.UserID)
	return err
}

// CreateBudget adds a project.
func (s *Store) CreateBudget(ctx context.Context, a Actor, in budget.Input) (budget.Budget, error) {
	var b budget.Budget
	err := s.tx(ctx, a, "create_budget", func(tx pgx.Tx) error {
		var err error
		if b, err = s.scanBudget(tx.QueryRow(ctx, `INSERT INTO inventory.budgets (tenant_id, name, amount_pen, amount_usd, notes) VALUES ($1,$2,$3,$4,$5) RETURNING `+budgetCols,
			a.TenantID, in.Name, *in.AmountPEN, *in.AmountUSD, in.Notes)); err != nil {
			return err
		}
		return addEvent(ctx, tx, a, b.ID, budget.EventCreated, nil, nil, "")
	})
	if err == nil {
		s.log.InfoContext(ctx, "budget created", "tenant_id", a.TenantID, "budget_id", b.ID, "actor_id", a.UserID)
	}
	return b, err
}

// UpdateBudget edits name, amounts and notes.
func (s *Store) UpdateBudget(ctx context.Context, a Actor, id string, in budget.Input) (budget.Budget, error) {
	var b budget.Budget
	err := s.tx(ctx, a, "update_budget", func(tx pgx.Tx) error {
		if _, err := s.getBudget(ctx, tx, a, id, true); err != nil {
			return err
		}
		var err error
		if b, err = s.scanBudget(tx.QueryRow(ctx, `UPDATE inventory.budgets SET name = $3, amount_pen = $4, amount_usd = $5, notes = $6, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+budgetCols, a.TenantID, id, in.Name, *in.AmountPEN, *in.AmountUSD, in.Notes)); err != nil {
			return err
		}
		return addEvent(ctx, tx, a, id, budget.EventEdited, nil, nil, "")
	})
	if err == nil {
		s.log.InfoContext(ctx, "budget updated", "tenant_id", a.TenantID, "budget_id", id, "actor_id", a.UserID)
	}
	return b, err
}

// Lifecycle actions.
const (
	ActionDeactivate = "deactivate"
	ActionReactivate = "reactivate"
	ActionExtend     = "extend"
	ActionFinish     = "finish"
	ActionReopen     = "reopen"
)

// Transition applies a lifecycle action with its history entry. Reactivation locks the
// floating quantities at the current price.
func (s *Store) Transition(ctx context.Context, a Actor, id, action string, t budget.Transition) (budget.Budget, error) {
	err := s.tx(ctx, a, "budget_"+action, func(tx pgx.Tx) error {
		b, err := s.getBudget(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		now := s.now()
		switch action {
		case ActionDeactivate:
			d, err := budget.Deactivate(b.Status, t, now)
			if err != nil {
				return err
			}
			ds := d.Format(time.DateOnly)
			if _, err := tx.Exec(ctx, `UPDATE inventory.budgets SET status = 'inactive', deactivated_at = now(), deactivation_reason = $2, reactivation_date = $3, updated_at = now() WHERE id = $1`, id, t.Reason, ds); err != nil {
				return err
			}
			return addEvent(ctx, tx, a, id, budget.EventDeactivated, nil, &ds, t.Reason)
		case ActionExtend:
			d, err := budget.Extend(b.Status, t, now)
			if err != nil {
				return err
			}
			ds := d.Format(time.DateOnly)
			if _, err := tx.Exec(ctx, `UPDATE inventory.budgets SET reactivation_date = $2, updated_at = now() WHERE id = $1`, id, ds); err != nil {
				return err
			}
			return addEvent(ctx, tx, a, id, budget.EventExtended, b.ReactivationDate, &ds, t.Reason)
		case ActionReactivate:
			if err := budget.Reactivate(b.Status, t); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE inventory.budgets SET status = 'active', deactivated_at = NULL, deactivation_reason = '', reactivation_date = NULL, updated_at = now() WHERE id = $1`, id); err != nil {
				return err
			}
			// Lines are locked after the budget (the lock order). Stock added concurrently
			// holds the budget FOR SHARE, so it committed before this statement (and its
			// floating quantity is locked here) or it waits and sees the budget active.
			if _, err := tx.Exec(ctx, `WITH l AS (SELECT id FROM inventory.stock_lines WHERE tenant_id = $1 AND budget_id = $2 AND floating_qty > 0 ORDER BY id FOR UPDATE)
				UPDATE inventory.stock_lines sl SET locked_cost_pen = sl.locked_cost_pen + round(sl.floating_qty * m.price_pen, 4),
				locked_cost_usd = sl.locked_cost_usd + round(sl.floating_qty * m.price_usd, 4), floating_qty = 0, updated_at = now()
				FROM l, inventory.materials m WHERE sl.id = l.id AND m.id = sl.material_id`, a.TenantID, id); err != nil {
				return err
			}
			return addEvent(ctx, tx, a, id, budget.EventReactivated, b.ReactivationDate, nil, t.Reason)
		case ActionFinish:
			if err := budget.FinishProject(b.Status); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE inventory.budgets SET status = 'finished', finished_at = now(), updated_at = now() WHERE id = $1`, id); err != nil {
				return err
			}
			return addEvent(ctx, tx, a, id, budget.EventFinished, nil, nil, t.Reason)
		case ActionReopen:
			if err := budget.Reopen(b.Status); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE inventory.budgets SET status = 'active', finished_at = NULL, updated_at = now() WHERE id = $1`, id); err != nil {
				return err
			}
			return addEvent(ctx, tx, a, id, budget.EventReopened, nil, nil, t.Reason)
		}
		return fault.Field("action", "unknown lifecycle action")
	})
	if err != nil {
		return budget.Budget{}, err
	}
	s.log.InfoContext(ctx, "budget lifecycle", "tenant_id", a.TenantID, "budget_id", id, "action", action, "actor_id", a.UserID)
	return s.GetBudget(ctx, a, id)
}

// DeleteBudget retires a project: its open requirements are cancelled (reservations
// released) and its stock lines frozen until redirected or released; history keeps the
// budget row (soft delete).
func (s *Store) DeleteBudget(ctx context.Context, a Actor, id string) (int, error) {
	frozen := 0
	err := s.tx(ctx, a, "delete_budget", func(tx pgx.Tx) error {
		// The budget is locked first (budgets come first in the lock order): a requirement
		// being created on it (which holds it FOR SHARE) commits before the list below is
		// read, or sees the budget deleted.
		b, err := s.getBudget(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id::text FROM inventory.requirements WHERE tenant_id = $1 AND budget_id = $2 AND status IN ('pending','partial') ORDER BY id`, a.TenantID, id)
		if err != nil {
			return err
		}
		reqs, err := collect(rows, func(r pgx.Rows) (string, error) {
			var x string
			return x, r.Scan(&x)
		})
		if err != nil {
			return err
		}
		for _, rid := range reqs {
			st, items, err := lockRequirement(ctx, tx, a, rid, "id")
			if err != nil {
				return err
			}
			if !st.Open() {
				continue
			}
			if err := cancelLocked(ctx, tx, a, rid, items, "Proyecto eliminado: "+b.Name); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `WITH l AS (SELECT id FROM inventory.stock_lines WHERE tenant_id = $1 AND budget_id = $2 ORDER BY id FOR UPDATE)
			UPDATE inventory.stock_lines sl SET frozen = true, updated_at = now() FROM l WHERE sl.id = l.id`, a.TenantID, id)
		if err != nil {
			return err
		}
		frozen = int(tag.RowsAffected())
		_, err = tx.Exec(ctx, `UPDATE inventory.budgets SET deleted_at = now(), updated_at = now() WHERE id = $1`, id)
		return err
	})
	if err == nil {
		s.log.InfoContext(ctx, "budget deleted", "tenant_id", a.TenantID, "budget_id", id, "frozen_lines", frozen, "actor_id", a.UserID)
	}
	return frozen, err
}

// ListBudgetEvents lists a budget's lifecycle history, newest first.
func (s *Store) ListBudgetEvents(ctx context.Context, a Actor, id string, p Page) ([]budget.Event, string, error) {
	if _, err := s.GetBudget(ctx, a, id); err != nil {
		return nil, "", err
	}
	w := newWhere("tenant_id", a.TenantID)
	w.add("budget_id = ?", id)
	rows, err := s.pool.Query(ctx, `SELECT id::text, kind, to_char(previous_date, 'YYYY-MM-DD'), to_char(new_date, 'YYYY-MM-DD'), reason, actor_id, at FROM inventory.budget_events`+w.page("id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (budget.Event, error) {
		var e budget.Event
		return e, r.Scan(&e.ID, &e.Kind, &e.PreviousDate, &e.NewDate, &e.Reason, &e.ActorID, &e.At)
	})
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, func(e budget.Event) string { return e.ID })
	return items, next, nil
}

// Consumption computes what a project consumed of its amounts.
func (s *Store) Consumption(ctx context.Context, a Actor, id string) (budget.Consumption, error) {
	b, err := s.GetBudget(ctx, a, id)
	if err != nil {
		return budget.Consumption{}, err
	}
	c := budget.Consumption{BudgetID: id, AmountPEN: b.AmountPEN, AmountUSD: b.AmountUSD}
	err = s.pool.QueryRow(ctx, `SELECT
		coalesce((SELECT sum(locked_cost_pen) FROM inventory.stock_lines WHERE tenant_id = $1 AND budget_id = $2), 0),
		coalesce((SELECT sum(locked_cost_usd) FROM inventory.stock_lines WHERE tenant_id = $1 AND budget_id = $2), 0),
		coalesce((SELECT sum(locked_cost_pen) FROM inventory.stock_deletions WHERE tenant_id = $1 AND budget_id = $2 AND status = 'pending'), 0),
		coalesce((SELECT sum(locked_cost_usd) FROM inventory.stock_deletions WHERE tenant_id = $1 AND budget_id = $2 AND status = 'pending'), 0),
		coalesce((SELECT sum(locked_cost_pen) FROM inventory.stock_deletions WHERE tenant_id = $1 AND budget_id = $2 AND status = 'lost'), 0),
		coalesce((SELECT sum(locked_cost_usd) FROM inventory.stock_deletions WHERE tenant_id = $1 AND budget_id = $2 AND status = 'lost'), 0),
		coalesce((SELECT sum(l.floating_qty * m.price_pen) FROM inventory.stock_lines l JOIN inventory.materials m ON m.id = l.material_id WHERE l.tenant_id = $1 AND l.budget_id = $2), 0),
		coalesce((SELECT sum(l.floating_qty * m.price_usd) FROM inventory.stock_lines l JOIN inventory.materials m ON m.id = l.material_id WHERE l.tenant_id = $1 AND l.budget_id = $2), 0),
		coalesce((SELECT sum(di.qty * di.unit_price_pen) FROM inventory.dispatch_items di JOIN inventory.dispatches d ON d.id = di.dispatch_id JOIN inventory.requirements r ON r.id = d.requirement_id
			WHERE d.tenant_id = $1 AND r.budget_id = $2 AND d.status = 'active'), 0),
		coalesce((SELECT sum(di.qty * di.unit_price_usd) FROM inventory.dispatch_items di JOIN inventory.dispatches d ON d.id = di.dispatch_id JOIN inventory.requirements r ON r.id = d.requirement_id
			WHERE d.tenant_id = $1 AND r.budget_id = $2 AND d.status = 'active'), 0),
		coalesce((SELECT sum(qty) FROM inventory.movements WHERE tenant_id = $1 AND budget_id = $2 AND qty > 0 AND kind = 'IN'), 0),
		coalesce((SELECT -sum(qty) FROM inventory.movements WHERE tenant_id = $1 AND budget_id = $2 AND qty < 0 AND kind = 'OUT'), 0)`, a.TenantID, id).
		Scan(&c.LockedPEN, &c.LockedUSD, &c.PendingPEN, &c.PendingUSD, &c.LostPEN, &c.LostUSD, &c.FloatingPEN, &c.FloatingUSD,
			&c.DispatchedPEN, &c.DispatchedUSD, &c.UnitsIn, &c.UnitsOut)
	c.FloatingPEN, c.FloatingUSD = c.FloatingPEN.Round(4), c.FloatingUSD.Round(4)
	c.DispatchedPEN, c.DispatchedUSD = c.DispatchedPEN.Round(4), c.DispatchedUSD.Round(4)
	c.Total()
	return c, err
}

// CostLine is one material's dispatched cost on a project (prices at dispatch time).
type CostLine struct {
	MaterialID    string          `json:"material_id"`
	Code          string          `json:"code"`
	Name          string          `json:"name"`
	Unit          string          `json:"unit"`
	QtyDispatched decimal.Decimal `json:"qty_dispatched"`
	CostPEN       decimal.Decimal `json:"cost_pen"`
	CostUSD       decimal.Decimal `json:"cost_usd"`
}

// CostHistory lists a project's dispatched cost per material; without a budget, every
// project of the tenant in the date range.
func (s *Store) CostHistory(ctx context.Context, a Actor, budgetID string, from, to *time.Time) ([]CostLine, error) {
	w := newWhere("d.tenant_id", a.TenantID)
	w.add("d.status = 'active'")
	if budgetID != "" {
		if _, err := s.GetBudget(ctx, a, budgetID); err != nil {
			return nil, err
		}
		w.add("r.budget_id = ?", budgetID)
	}
	if from != nil {
		w.add("d.dispatched_at >= ?", *from)
	}
	if to != nil {
		w.add("d.dispatched_at < ?", *to)
	}
	rows, err := s.pool.Query(ctx, `SELECT m.id::text, m.code, m.name, m.unit, sum(di.qty), round(sum(di.qty * di.unit_price_pen), 4), round(sum(di.qty * di.unit_price_usd), 4)
		FROM inventory.dispatch_items di JOIN inventory.dispatches d ON d.id = di.dispatch_id JOIN inventory.requirements r ON r.id = d.requirement_id
		JOIN inventory.materials m ON m.id = di.material_id`+w.sql()+` GROUP BY m.id, m.code, m.name, m.unit ORDER BY 6 DESC, m.code`, w.args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, func(r pgx.Rows) (CostLine, error) {
		var c CostLine
		return c, r.Scan(&c.MaterialID, &c.Code, &c.Name, &c.Unit, &c.QtyDispatched, &c.CostPEN, &c.CostUSD)
	})
	if out == nil {
		out = []CostLine{}
	}
	return out, err
}

const additionalCols = `a.id::text, a.budget_id::text, b.name, a.concept, to_char(a.request_date, 'YYYY-MM-DD'), a.notes, a.confirmed, a.confirmation_code, a.confirmed_at, a.documents, a.created_at`

func scanAdditional(r pgx.Row) (budget.Additional, error) {
	var x budget.Additional
	var docs []byte
	err := r.Scan(&x.ID, &x.BudgetID, &x.BudgetName, &x.Concept, &x.RequestDate, &x.Notes, &x.Confirmed, &x.ConfirmationCode, &x.ConfirmedAt, &docs, &x.CreatedAt)
	if err == nil {
		err = json.Unmarshal(docs, &x.Documents)
	}
	return x, err
}

// AdditionalFilter filters additionals.
type AdditionalFilter struct {
	BudgetID  string
	Confirmed *bool
	Q         string
}

// ListAdditionals lists additionals.
func (s *Store) ListAdditionals(ctx context.Context, a Actor, f AdditionalFilter, p Page) ([]budget.Additional, string, error) {
	w := newWhere("a.tenant_id", a.TenantID)
	if f.BudgetID != "" {
		w.add("a.budget_id::text = ?", f.BudgetID)
	}
	if f.Confirmed != nil {
		w.add("a.confirmed = ?", *f.Confirmed)
	}
	if f.Q != "" {
		l := likeEscape(f.Q)
		w.add("(a.concept ILIKE ? OR a.notes ILIKE ? OR coalesce(a.confirmation_code, '') ILIKE ?)", l, l, l)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+additionalCols+` FROM inventory.budget_additionals a JOIN inventory.budgets b ON b.id = a.budget_id`+w.page("a.id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (budget.Additional, error) { return scanAdditional(r) })
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, func(x budget.Additional) string { return x.ID })
	return items, next, nil
}

// GetAdditional returns one additional.
func (s *Store) GetAdditional(ctx context.Context, a Actor, id string) (budget.Additional, error) {
	return s.getAdditional(ctx, s.pool, a, id, "")
}

func (s *Store) getAdditional(ctx context.Context, q querier, a Actor, id, suffix string) (budget.Additional, error) {
	if err := checkID("additional", "id", id); err != nil {
		return budget.Additional{}, err
	}
	x, err := scanAdditional(q.QueryRow(ctx, `SELECT `+additionalCols+` FROM inventory.budget_additionals a JOIN inventory.budgets b ON b.id = a.budget_id
		WHERE a.tenant_id = $1 AND a.id = $2`+suffix, a.TenantID, id))
	return x, notFound(err, "additional", "id")
}

// CreateAdditional registers an additional on a project.
func (s *Store) CreateAdditional(ctx context.Context, a Actor, in budget.AdditionalInput) (budget.Additional, error) {
	var id string
	err := s.tx(ctx, a, "create_additional", func(tx pgx.Tx) error {
		if _, err := getBudgetRow(ctx, tx, a.TenantID, in.BudgetID, "budget_id"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO inventory.budget_additionals (tenant_id, budget_id, concept, request_date, notes) VALUES ($1,$2,$3,$4,$5) RETURNING id::text`,
			a.TenantID, in.BudgetID, in.Concept, in.RequestDate, in.Notes).Scan(&id)
	})
	if err != nil {
		return budget.Additional{}, err
	}
	s.log.InfoContext(ctx, "additional created", "tenant_id", a.TenantID, "additional_id", id, "actor_id", a.UserID)
	return s.GetAdditional(ctx, a, id)
}

// UpdateAdditional edits concept, date and notes (and, when confirmed, the documents:
// at least one must remain); the code and confirmation date never change.
func (s *Store) UpdateAdditional(ctx context.Context, a Actor, id string, in budget.AdditionalInput, docs []budget.Document) (budget.Additional, error) {
	err := s.tx(ctx, a, "update_additional", func(tx pgx.Tx) error {
		cur, err := s.getAdditional(ctx, tx, a, id, " FOR UPDATE OF a")
		if err != nil {
			return err
		}
		if docs == nil {
			docs = cur.Documents
		} else if cur.Confirmed {
			if err := budget.ValidDocuments(docs); err != nil {
				return err
			}
		}
		js, _ := json.Marshal(docs)
		_, err = tx.Exec(ctx, `UPDATE inventory.budget_additionals SET concept = $2, request_date = $3, notes = $4, documents = $5, updated_at = now() WHERE id = $1`,
			id, in.Concept, in.RequestDate, in.Notes, js)
		return err
	})
	if err != nil {
		return budget.Additional{}, err
	}
	s.log.InfoContext(ctx, "additional updated", "tenant_id", a.TenantID, "additional_id", id, "actor_id", a.UserID)
	return s.GetAdditional(ctx, a, id)
}

// ConfirmAdditional authorises an additional with its documents and gives it an
// AD-YYYYMMDD-nnnnn code from the tenant's daily counter.
func (s *Store) ConfirmAdditional(ctx context.Context, a Actor, id string, docs []budget.Document) (budget.Additional, error) {
	err := s.tx(ctx, a, "confirm_additional", func(tx pgx.Tx) error {
		cur, err := s.getAdditional(ctx, tx, a, id, " FOR UPDATE OF a")
		if err != nil {
			return err
		}
		if cur.Confirmed {
			return fault.Conflictf("already-confirmed", "id", "the additional is already confirmed")
		}
		n, err := nextNumber(ctx, tx, a.TenantID, "AD", s.now())
		if err != nil {
			return err
		}
		js, _ := json.Marshal(docs)
		_, err = tx.Exec(ctx, `UPDATE inventory.budget_additionals SET confirmed = true, confirmation_code = $2, confirmed_at = now(), documents = $3, updated_at = now() WHERE id = $1`,
			id, budget.ConfirmationCode(s.now(), n), js)
		return err
	})
	if err != nil {
		return budget.Additional{}, err
	}
	s.log.InfoContext(ctx, "additional confirmed", "tenant_id", a.TenantID, "additional_id", id, "actor_id", a.UserID)
	return s.GetAdditional(ctx, a, id)
}

// DeleteAdditional removes a pending (unconfirmed) additional.
func (s *Store) DeleteAdditional(ctx context.Context, a Actor, id string) error {
	return s.tx(ctx, a, "delete_additional", func(tx pgx.Tx) error {
		cur, err := s.getAdditional(ctx, tx, a, id, " FOR UPDATE OF a")
		if err != nil {
			return err
		}
		if cur.Confirmed {
			return fault.Conflictf("already-confirmed", "id", "a confirmed additional cannot be deleted")
		}
		_, err = tx.Exec(ctx, `DELETE FROM inventory.budget_additionals WHERE id = $1`, id)
		return err
	})
}
