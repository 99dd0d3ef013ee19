package inventory

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// Additional is an addendum to a project, confirmed with a code once documented.
type Additional struct {
	ID               string     `json:"id"`
	BudgetID         string     `json:"budget_id"`
	BudgetName       string     `json:"budget_name"`
	Concept          string     `json:"concept"`
	RequestDate      string     `json:"request_date"`
	Notes            string     `json:"notes"`
	Confirmed        bool       `json:"confirmed"`
	ConfirmationCode *string    `json:"confirmation_code"`
	ConfirmedAt      *time.Time `json:"confirmed_at"`
	Documents        []struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"documents"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateBudget creates a project budget.
func (c *Client) CreateBudget(ctx context.Context, in map[string]any) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/budgets", nil, in, nil)
}

// BudgetTransition runs deactivate, reactivate, extend, finish or reopen.
func (c *Client) BudgetTransition(ctx context.Context, id, action, reason, reactivation string) error {
	in := map[string]string{"reason": reason}
	if reactivation != "" {
		in["reactivation_date"] = reactivation
	}
	return c.c.Do(ctx, http.MethodPost, Base+"/budgets/"+url.PathEscape(id)+"/"+action, nil, in, nil)
}

// Additionals lists additionals (budget_id).
func (c *Client) Additionals(ctx context.Context, q url.Values) (apicall.Page[Additional], error) {
	var p apicall.Page[Additional]
	err := c.c.Do(ctx, http.MethodGet, Base+"/additionals", q, nil, &p)
	return p, err
}

// CreateAdditional records an additional for a project.
func (c *Client) CreateAdditional(ctx context.Context, in map[string]string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/additionals", nil, in, nil)
}

// ConfirmAdditional confirms an additional with its document (→ AD-YYYYMMDD-nnnnn).
func (c *Client) ConfirmAdditional(ctx context.Context, id string, doc map[string]string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/additionals/"+url.PathEscape(id)+"/confirm", nil,
		map[string]any{"documents": []map[string]string{doc}}, nil)
}

// CancelDispatch cancels a dispatch not yet received (stock back, re-reserved).
func (c *Client) CancelDispatch(ctx context.Context, id, reason string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/dispatches/"+url.PathEscape(id)+"/cancel", nil, map[string]string{"reason": reason}, nil)
}
