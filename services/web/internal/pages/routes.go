package pages

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/web/internal/security"
	"github.com/planta-dev/planta/services/web/internal/static"
)

// Guards of the web's pages, named by who may see them.
var (
	anyone        = authn.Public()
	signedIn      = authn.RequireAuthenticated()
	superadmin    = authn.RequireRole(authn.RoleSuperadmin)
	tenant        = authn.RequireTenant()
	spaceAdmin    = authn.RequireRole(authn.RoleAdmin, authn.RoleSuperadmin)
	passwordPages = authn.RequireAuthenticated().AllowMustChangePassword()
)

// Register adds every page to rt (whose router is m) with its guard, and the
// middleware that turns the guards' problem answers into pages and redirects.
func (s *Site) Register(rt *authn.Router, m *mux.Router) {
	m.Use(s.compress, s.middleware)
	m.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		security.SetHeaders(w.Header(), s.csp)
		v := s.view(r)
		v.Data = v.L.T("error.not_found")
		s.render(w, r, http.StatusNotFound, "error", v)
	})
	page := func(method, path string, g authn.Guard, h http.HandlerFunc) {
		rt.HandleFunc(method, path, g, s.csrf(g, h))
	}
	get := func(path string, g authn.Guard, h http.HandlerFunc) { page(http.MethodGet, path, g, h) }
	post := func(path string, g authn.Guard, h http.HandlerFunc) { page(http.MethodPost, path, g, h) }

	rt.Handle(http.MethodGet, static.Prefix+"{file:.+}", anyone, s.assets)
	get("/", anyone, s.root)
	post("/lang", anyone, s.setLanguage)

	// Everyone.
	get("/login", anyone, s.loginForm)
	post("/login", anyone, s.login)
	post("/logout", anyone, s.logout)
	get("/register", anyone, s.registerForm)
	post("/register", anyone, s.register)
	get("/account/password", passwordPages, s.passwordForm)
	post("/account/password", passwordPages.NotImpersonating(), s.changePassword)
	get("/account/profile", passwordPages, s.profile)
	post("/account/profile", signedIn.NotImpersonating(), s.updateProfile)
	get("/account/sessions", signedIn, s.mySessions)
	post("/account/sessions/revoke-others", signedIn.NotImpersonating(), s.revokeOtherSessions)
	post("/account/sessions/{id}/revoke", signedIn.NotImpersonating(), s.revokeSession)
	post("/impersonation/stop", signedIn, s.stopImpersonation)

	// Superadmin.
	get("/admin/users", superadmin, s.users)
	get("/admin/users/new", superadmin, s.newUserForm)
	post("/admin/users/new", superadmin, s.createUser)
	get("/admin/users/{id}", superadmin, s.userDetail)
	post("/admin/users/{id}", superadmin, s.updateUser)
	post("/admin/users/{id}/impersonate", superadmin, s.impersonate)
	post("/admin/users/{id}/sessions/terminate-all", superadmin, s.terminateAllSessions)
	post("/admin/users/{id}/sessions/{sid}/terminate", superadmin, s.terminateSession)
	post("/admin/users/{id}/{action:disable|enable|unlock|reset-password|delete}", superadmin, s.userAction)
	get("/admin/lockouts", superadmin, s.lockouts)
	get("/admin/access-logs", superadmin, s.accessLogs)
	get("/admin/audit", superadmin, s.audit)

	// Cliente (or a superadmin viewing as one).
	get("/app", tenant, s.dashboard)
	get("/app/warehouses", tenant, s.warehouses)
	post("/app/warehouses", tenant, s.createWarehouse)
	get("/app/warehouses/{id}", tenant, s.warehouseForm)
	post("/app/warehouses/{id}", tenant, s.updateWarehouse)
	post("/app/warehouses/{id}/delete", tenant, s.deleteWarehouse)
	get("/app/materials", tenant, s.materials)
	post("/app/materials", tenant, s.createMaterial)
	get("/app/materials/{id}", tenant, s.materialForm)
	post("/app/materials/{id}", tenant, s.updateMaterial)
	get("/app/stock", tenant, s.stock)
	post("/app/stock/add", tenant, s.addStock)
	post("/app/stock/withdraw", tenant, s.withdrawStock)
	get("/app/stock/lines/{id}", tenant, s.stockLine)
	post("/app/stock/lines/{id}/{action:note|adjust|reassign|unfreeze|delete}", tenant, s.stockLineAction)
	post("/app/stock/deletions/{id}/{action:lost|returned|restore}", tenant, s.resolveDeletion)
	get("/app/requirements", tenant, s.requirements)
	post("/app/requirements", tenant, s.createRequirement)
	post("/app/requirements/{id}/cancel", tenant, s.cancelRequirement)
	get("/app/dispatches", tenant, s.dispatches)
	post("/app/dispatches", tenant, s.createDispatch)
	post("/app/dispatches/{id}/cancel", tenant, s.cancelDispatch)
	get("/app/budgets", tenant, s.budgets)
	post("/app/budgets", tenant, s.createBudget)
	get("/app/budgets/{id}", tenant, s.budgetPage)
	post("/app/budgets/{id}/{action:deactivate|reactivate|extend|finish|reopen}", tenant, s.budgetAction)
	post("/app/budgets/{id}", tenant, s.updateBudget)
	post("/app/budgets/{id}/delete", tenant, s.deleteBudget)
	post("/app/additionals", tenant, s.createAdditional)
	post("/app/additionals/{id}/confirm", tenant, s.confirmAdditional)
	get("/app/receipts", tenant, s.receipts)
	post("/app/receipts", tenant, s.createReceipt)
	get("/app/movements", tenant, s.movements)

	// MRP (cliente).
	get("/app/mrp", tenant, s.mrpHome)
	post("/app/mrp/settings", tenant, s.saveMRPSettings)
	post("/app/mrp/runs", tenant, s.startMRPRun)
	get("/app/mrp/items", tenant, s.mrpItems)
	get("/app/mrp/item", tenant, s.mrpItemPick)
	get("/app/mrp/items/{material_id}", tenant, s.mrpItem)
	post("/app/mrp/items/{material_id}", tenant, s.saveMRPItem)
	post("/app/mrp/items/{material_id}/delete", tenant, s.deleteMRPItem)
	post("/app/mrp/bom-lines", tenant, s.createBOMLine)
	post("/app/mrp/bom-lines/{id}", tenant, s.updateBOMLine)
	post("/app/mrp/bom-lines/{id}/delete", tenant, s.deleteBOMLine)
	get("/app/mrp/demands", tenant, s.mrpDemands)
	post("/app/mrp/demands", tenant, s.createMRPDemand)
	post("/app/mrp/demands/import", tenant, s.importMRPDemands)
	post("/app/mrp/demands/{id}/delete", tenant, s.deleteMRPDemand)
	get("/app/mrp/receipts", tenant, s.mrpReceipts)
	post("/app/mrp/receipts", tenant, s.createMRPReceipt)
	post("/app/mrp/receipts/{id}/delete", tenant, s.deleteMRPReceipt)
	get("/app/mrp/runs/{id}", tenant, s.mrpRun)
	get("/app/mrp/runs/{id}/record", tenant, s.mrpRecord)
	get("/app/mrp/orders/{id}/pegging", tenant, s.mrpPegging)
	post("/app/mrp/orders/{id}/firm", tenant, s.firmOrder)
	post("/app/mrp/orders/{id}/convert", tenant, s.convertOrder)
	get("/app/mrp/simulate", tenant, s.mrpSimulate)
	post("/app/mrp/simulate", tenant, s.runSimulation)

	// Space administration (allocation).
	get("/allocation", spaceAdmin, s.rooms)
	post("/allocation/rooms", spaceAdmin, s.createRoom)
	get("/allocation/rooms/{id:[0-9]+}", spaceAdmin, s.roomForm)
	post("/allocation/rooms/{id:[0-9]+}", spaceAdmin, s.updateRoom)
	post("/allocation/rooms/{id:[0-9]+}/delete", spaceAdmin, s.deleteRoom)
	get("/allocation/space", spaceAdmin, s.space)
	post("/allocation/space/{kind:campuses|buildings|room-types|characteristics}", spaceAdmin, s.saveSpace)
	post("/allocation/space/{kind:campuses|buildings|room-types|characteristics}/{id:[0-9]+}", spaceAdmin, s.saveSpace)
	post("/allocation/space/{kind:campuses|buildings|room-types|characteristics}/{id:[0-9]+}/delete", spaceAdmin, s.deleteSpace)
	get("/allocation/professors", spaceAdmin, s.professors)
	post("/allocation/professors", spaceAdmin, s.createProfessor)
	get("/allocation/professors/{id:[0-9]+}", spaceAdmin, s.professorForm)
	post("/allocation/professors/{id:[0-9]+}", spaceAdmin, s.updateProfessor)
	post("/allocation/professors/{id:[0-9]+}/delete", spaceAdmin, s.deleteProfessor)
	get("/allocation/rules", spaceAdmin, s.rules)
	post("/allocation/rules", spaceAdmin, s.createRule)
	get("/allocation/rules/{id:[0-9]+}", spaceAdmin, s.ruleForm)
	post("/allocation/rules/{id:[0-9]+}", spaceAdmin, s.updateRule)
	post("/allocation/rules/{id:[0-9]+}/delete", spaceAdmin, s.deleteRule)
	get("/allocation/demands", spaceAdmin, s.demands)
	post("/allocation/demands", spaceAdmin, s.createDemand)
	get("/allocation/demands/{id:[0-9]+}", spaceAdmin, s.demandForm)
	post("/allocation/demands/{id:[0-9]+}", spaceAdmin, s.updateDemand)
	post("/allocation/demands/{id:[0-9]+}/delete", spaceAdmin, s.deleteDemand)
	get("/allocation/allocations", spaceAdmin, s.allocations)
	post("/allocation/allocations", spaceAdmin, s.assign)
	get("/allocation/allocations/{id:[0-9]+}", spaceAdmin, s.allocationPage)
	post("/allocation/allocations/{id:[0-9]+}/{action:move|swap|pin|unassign}", spaceAdmin, s.adjust)
	get("/allocation/reports", spaceAdmin, s.reports)
	get("/allocation/semesters", spaceAdmin, s.semesters)
	post("/allocation/semesters", spaceAdmin, s.createSemester)
	post("/allocation/semesters/{id}/activate", spaceAdmin, s.activateSemester)
	post("/allocation/semesters/{id}/import", spaceAdmin, s.importDemands)
	post("/allocation/semesters/{id}/solve", spaceAdmin, s.solve)
	post("/allocation/semesters/{id}/publish", spaceAdmin, s.publish)
	get("/allocation/publications/{id:[0-9]+}", spaceAdmin, s.publication)
	get("/allocation/jobs/{id}", spaceAdmin, s.solveJob)
	post("/allocation/jobs/{id}/cancel", spaceAdmin, s.cancelSolve)
	get("/allocation/holds", spaceAdmin, s.holds)
	post("/allocation/holds", spaceAdmin, s.createHold)
	get("/allocation/holds/{id:[0-9]+}", spaceAdmin, s.holdForm)
	post("/allocation/holds/{id:[0-9]+}", spaceAdmin, s.updateHold)
	post("/allocation/holds/{id:[0-9]+}/delete", spaceAdmin, s.deleteHold)
	get("/allocation/change-log", spaceAdmin, s.changeLog)
	get("/allocation/grid", spaceAdmin, s.adminGrid)
	get("/allocation/reservations", spaceAdmin, s.reservations)
	post("/allocation/reservations", spaceAdmin, s.createReservation)
	get("/allocation/reservations/{id:[0-9]+}", spaceAdmin, s.reservationPage)
	post("/allocation/reservations/{id:[0-9]+}", spaceAdmin, s.updateReservation)
	post("/allocation/reservations/{id:[0-9]+}/delete", spaceAdmin, s.deleteReservation)
	post("/allocation/reservations/{id:[0-9]+}/occurrences/{occurrence:[0-9]+}/cancel", spaceAdmin, s.cancelOccurrence)

	// Public schedule (no login).
	get("/public", anyone, s.publicHome)
	get("/public/rooms/{id:[0-9]+}", anyone, s.publicRoom)
	get("/public/buildings/{id:[0-9]+}", anyone, s.publicBuilding)
	get("/public/search", anyone, s.publicSearch)
	get("/public/calendar", anyone, s.publicCalendar)
	get("/public/free-now", anyone, s.publicFreeNow)
}

// csrf checks the per-session token on every state-changing request of a signed-in
// user (the authn guard has already checked Fetch Metadata / Origin). Anonymous forms
// (login, registration, language) rely on that origin check alone: they carry no session
// to ride on.
func (s *Site) csrf(g authn.Guard, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if r.ContentLength > MaxFormBytes {
				s.tooLarge(w, r, MaxFormBytes)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
			var err error
			if mt == "multipart/form-data" {
				err = r.ParseMultipartForm(8 << 20)
			} else {
				err = r.ParseForm()
			}
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				s.tooLarge(w, r, tooBig.Limit)
				return
			case err != nil:
				v := s.view(r)
				v.Data = v.L.T("error.bad_form")
				s.render(w, r, http.StatusBadRequest, "error", v)
				return
			}
			token, _ := authn.TokenFromRequest(r)
			if g.Authenticates() && !security.CheckCSRF(r, token) {
				v := s.view(r)
				v.Data = v.L.T("error.csrf")
				s.render(w, r, http.StatusForbidden, "error", v)
				return
			}
		}
		h(w, r)
	}
}

// MaxFormBytes bounds a form (uploads included) the site reads: the common request
// body limit of libs/httpserver (DefaultConfig), so that a form over it gets the same
// answer whichever check sees it first.
const MaxFormBytes = 4 << 20

// tooLarge renders the page for a form over limit bytes, in the caller's language.
func (s *Site) tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	v := s.view(r)
	v.Data = v.L.T("error.too_large", strconv.FormatFloat(float64(limit)/(1<<20), 'f', -1, 64))
	// The rest of the body is not read: close the connection rather than drain it.
	w.Header().Set("Connection", "close")
	s.render(w, r, http.StatusRequestEntityTooLarge, "error", v)
}

// middleware sets the security headers, keeps session cookies off static files (so no
// session lookup per asset) and turns the guards' problem+json refusals into what a
// browser needs: the login page, the password change, or a readable error page.
func (s *Site) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, static.Prefix) {
			r.Header.Del("Cookie")
			next.ServeHTTP(w, r)
			return
		}
		security.SetHeaders(w.Header(), s.csp)
		iw := &intercept{ResponseWriter: w}
		next.ServeHTTP(iw, r)
		if !iw.caught {
			return
		}
		switch {
		case iw.status == http.StatusUnauthorized:
			s.toLogin(w, r)
		case iw.status == http.StatusForbidden && bytes.Contains(iw.body.Bytes(), []byte("password-change-required")):
			http.Redirect(w, r, "/account/password", http.StatusSeeOther)
		case iw.status == http.StatusForbidden:
			v := s.view(r)
			v.Data = v.L.T("error.forbidden")
			s.render(w, r, http.StatusForbidden, "error", v)
		case iw.status == http.StatusRequestEntityTooLarge:
			s.tooLarge(w, r, MaxFormBytes)
		default:
			v := s.view(r)
			v.Data = v.L.T("error.unavailable")
			s.render(w, r, iw.status, "error", v)
		}
	})
}

// intercept catches a problem+json answer written by the authn guards.
type intercept struct {
	http.ResponseWriter
	caught, wrote bool
	status        int
	body          bytes.Buffer
}

func (i *intercept) WriteHeader(code int) {
	if i.wrote {
		return
	}
	i.wrote = true
	if code >= 400 && strings.HasPrefix(i.Header().Get("Content-Type"), "application/problem+json") {
		i.caught, i.status = true, code
		i.Header().Del("Content-Type")
		i.Header().Del("Content-Length")
		return
	}
	i.ResponseWriter.WriteHeader(code)
}

func (i *intercept) Write(b []byte) (int, error) {
	if !i.wrote {
		i.WriteHeader(http.StatusOK)
	}
	if i.caught {
		return i.body.Write(b)
	}
	return i.ResponseWriter.Write(b)
}

func (i *intercept) Unwrap() http.ResponseWriter { return i.ResponseWriter }
