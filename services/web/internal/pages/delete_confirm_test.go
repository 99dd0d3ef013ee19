package pages_test

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/web/internal/i18n"
)

func init() {
	screenRefusals["DELETE /api/v1/inventory/warehouses/w1"] = refusal{http.StatusConflict,
		`{"type":"https://planta.dev/problems/warehouse-in-use","status":409,"detail":"the warehouse has stock or requirements; it cannot be deleted"}`}
}

// getIn fetches a page as the cliente in one language.
func (h *harness) getIn(t *testing.T, lang i18n.Lang, target string) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: h.tokens[cliente]})
	r.AddCookie(&http.Cookie{Name: i18n.CookieName, Value: string(lang)})
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s %s: %d", lang, target, rec.Code)
	}
	return html.UnescapeString(rec.Body.String())
}

// TestDeleteConfirmationsTellWhatTheAPIDoes: each delete dialog says what the API
// does. Inventory refuses to delete a warehouse with stock or requirements (409
// warehouse-in-use) and cancels nothing; deleting a project cancels its open
// requirements and freezes its stock; a deleted stock line is a pending deletion that
// can be restored (so "cannot be undone" would be false).
func TestDeleteConfirmationsTellWhatTheAPIDoes(t *testing.T) {
	h := newHarness(t)
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		page, form, key string
		says, never     map[i18n.Lang]string
	}{
		{"/app/warehouses", `action="/app/warehouses/w1/delete"`, "warehouse.delete_confirm",
			map[i18n.Lang]string{i18n.ES: "no se puede eliminar", i18n.PT: "não pode ser excluído", i18n.EN: "cannot be deleted"},
			map[i18n.Lang]string{i18n.ES: "se cancelan", i18n.PT: "serão canceladas", i18n.EN: "are cancelled"}},
		{"/app/budgets/b1", `id="budget-delete-form"`, "budget.delete_confirm",
			map[i18n.Lang]string{i18n.ES: "se cancelan", i18n.PT: "são canceladas", i18n.EN: "are cancelled"},
			map[i18n.Lang]string{i18n.ES: "No se puede deshacer", i18n.PT: "Não pode ser desfeito", i18n.EN: "cannot be undone"}},
		{"/app/stock/lines/l1", `id="line-delete-form"`, "stock.delete_confirm",
			map[i18n.Lang]string{i18n.ES: "restaurar", i18n.PT: "restaurado", i18n.EN: "restored"},
			map[i18n.Lang]string{i18n.ES: "No se puede deshacer", i18n.PT: "Não pode ser desfeito", i18n.EN: "cannot be undone"}},
	} {
		for _, lang := range []i18n.Lang{i18n.ES, i18n.PT, i18n.EN} {
			body := h.getIn(t, lang, tc.page)
			i := strings.Index(body, tc.form)
			if i < 0 {
				t.Fatalf("%s %s: no %s", lang, tc.page, tc.form)
			}
			form := body[i:]
			form = form[:strings.Index(form, ">")]
			_, question, ok := strings.Cut(form, `data-confirm="`)
			if !ok {
				t.Fatalf("%s %s: the form asks nothing: %s", lang, tc.page, form)
			}
			question, _, _ = strings.Cut(question, `"`)
			if want := catalog.Locale(lang, nil).T(tc.key); question != want {
				t.Errorf("%s %s asks %q, want %s %q", lang, tc.page, question, tc.key, want)
			}
			if !strings.Contains(question, tc.says[lang]) || strings.Contains(question, tc.never[lang]) {
				t.Errorf("%s %s: %q should say %q and never %q", lang, tc.page, question, tc.says[lang], tc.never[lang])
			}
		}
	}
}

// TestWarehouseInUseRefusalShown: the API's 409 warehouse-in-use is shown on the list
// in the user's language, the warehouse still listed.
func TestWarehouseInUseRefusalShown(t *testing.T) {
	h := newHarness(t)
	res := h.post(t, cliente, "/app/warehouses/w1/delete", url.Values{})
	body := readBody(t, res)
	if res.StatusCode != http.StatusConflict || !strings.Contains(html.UnescapeString(body), "El almacén tiene líneas de stock o requerimientos") ||
		!strings.Contains(body, `action="/app/warehouses/w1/delete"`) {
		t.Fatalf("%d\n%s", res.StatusCode, body)
	}
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
