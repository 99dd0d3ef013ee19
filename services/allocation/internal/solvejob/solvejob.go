// Package solvejob runs the allocation solver for a semester as an asynchronous job:
// the job row records progress and the result (statistics, the solver's notes and, for
// every unplaced section-day, why), and the placed section-days replace the semester's
// unpinned allocations in one transaction.
//
// Two modes: "full" solves from scratch (pinned allocations kept); "minimal_perturbation"
// passes the semester's latest publication as the solver's Previous solution, so after a
// change (a new section, a room closed) as few published section-days as possible move.
// Either way the result counts the published section-days that moved.
//
// A running job is cancelled through Cancel: the flag is stored on the job row (any
// replica may receive the request) and the replica running the job — which polls the
// flag — cancels the solver's context; nothing is written and the job ends "cancelled".
package solvejob

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/planta-dev/planta/services/allocation/internal/solver"
	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

// Metrics are the solver's domain metrics.
type Metrics struct {
	Duration prometheus.Histogram
	Placed   prometheus.Gauge
	Score    prometheus.Gauge
}

// NewMetrics registers the metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		Duration: f.NewHistogram(prometheus.HistogramOpts{Name: "planta_allocation_solve_seconds", Help: "Duration of allocation solver runs.", Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30, 60}}),
		Placed:   f.NewGauge(prometheus.GaugeOpts{Name: "planta_allocation_sections_placed", Help: "Section-days placed by the last solver run."}),
		Score:    f.NewGauge(prometheus.GaugeOpts{Name: "planta_allocation_solve_score", Help: "Soft score of the last solver run."}),
	}
}

// Unplaced explains one section-day the solver could not place.
type Unplaced struct {
	DemandID       int64    `json:"demand_id"`
	DisciplineCode string   `json:"discipline_code"`
	Section        string   `json:"section"`
	Day            int      `json:"day"`
	Code           string   `json:"reason_code"`
	Message        string   `json:"message"`
	Conflicts      []string `json:"conflicts,omitempty"`
}

// Result is stored on a succeeded job.
type Result struct {
	SectionDays      int        `json:"section_days"`
	Placed           int        `json:"placed"`
	PlacedUpperBound int        `json:"placed_upper_bound"`
	PlacedProven     bool       `json:"placed_proven_optimal"`
	SoftScore        int        `json:"soft_score"`
	SoftUpperBound   int        `json:"soft_upper_bound"`
	WastedSeats      int        `json:"wasted_seats"`
	Moved            int        `json:"moved"`
	DurationMS       int64      `json:"duration_ms"`
	Unplaced         []Unplaced `json:"unplaced"`
	// Mode is full or minimal_perturbation.
	Mode string `json:"mode"`
	// PublicationID is the latest publication compared against (0 = none).
	PublicationID int64 `json:"publication_id,omitempty"`
	// PublishedSectionDays counts the publication's section-days that still exist;
	// PublishedMoved how many of them got another room or none; Moves lists them.
	PublishedSectionDays int    `json:"published_section_days"`
	PublishedMoved       int    `json:"published_moved"`
	Moves                []Move `json:"moves"`
	// Notes are the solver's operator-facing remarks (cbc missing, time limits hit).
	Notes []string `json:"notes"`
}

// Move is a published section-day that changed room (ToRoomID 0 = now unplaced).
type Move struct {
	DemandID       int64  `json:"demand_id"`
	DisciplineCode string `json:"discipline_code"`
	Section        string `json:"section"`
	Day            int    `json:"day"`
	FromRoomID     int64  `json:"from_room_id"`
	ToRoomID       int64  `json:"to_room_id"`
}

// Progress is stored while the job runs.
type Progress struct {
	Phase  string `json:"phase"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	Placed int    `json:"placed"`
	Bound  int    `json:"bound"`
}

// Runner starts solver jobs.
type Runner struct {
	Store   *store.Store
	Metrics *Metrics
	Log     *slog.Logger
	// Base is the context jobs run under (the service's lifetime).
	Base context.Context
	// Options are the solver options of every job (CBCPath, TempDir, limits);
	// Progress is set by the runner.
	Options solver.Options
	// CancelPoll is how often a running job checks its cancel flag in the database
	// (0 = 1 s); a cancel received by this replica takes effect at once.
	CancelPoll time.Duration
	// OnProgress, when set, observes every solver progress report of a job, with the
	// job's context (tests use it to hold a solve at a known point).
	OnProgress func(ctx context.Context, jobID string, p solver.Progress)

	wg      sync.WaitGroup
	mu      sync.Mutex
	running map[string]context.CancelFunc
}

// ErrNoPublication refuses a minimal-perturbation solve of a semester never published.
var ErrNoPublication = &store.ConflictError{Slug: "no-publication", Detail: "the semester has no publication to stay close to; publish it first or solve in full mode"}

// Start records a job (mode full or minimal_perturbation) and runs it in the background.
func (r *Runner) Start(ctx context.Context, actor string, semesterID int64, mode string) (store.SolveJob, error) {
	if mode == "" {
		mode = store.ModeFull
	}
	if _, err := r.Store.GetSemester(ctx, semesterID); err != nil {
		return store.SolveJob{}, err
	}
	if mode == store.ModeMinimalPerturbation {
		if _, err := r.Store.LatestPublication(ctx, semesterID); errors.Is(err, store.ErrNotFound) {
			return store.SolveJob{}, ErrNoPublication
		} else if err != nil {
			return store.SolveJob{}, err
		}
	}
	job, err := r.Store.CreateJob(ctx, actor, semesterID, mode)
	if err != nil {
		return job, err
	}
	base := r.Base
	if base == nil {
		base = context.Background()
	}
	// The job outlives the request; it is stopped only by Cancel.
	jctx, cancel := context.WithCancel(context.WithoutCancel(base))
	r.mu.Lock()
	if r.running == nil {
		r.running = map[string]context.CancelFunc{}
	}
	r.running[job.ID] = cancel
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			r.mu.Lock()
			delete(r.running, job.ID)
			r.mu.Unlock()
			cancel()
		}()
		stop := r.watchCancel(jctx, job.ID, cancel)
		r.run(jctx, context.WithoutCancel(base), job.ID, actor, semesterID, mode)
		stop()
	}()
	return job, nil
}

// watchCancel polls the job's cancel flag (set by a replica other than this one).
func (r *Runner) watchCancel(ctx context.Context, jobID string, cancel context.CancelFunc) (stop func()) {
	every := r.CancelPoll
	if every <= 0 {
		every = time.Second
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if c, err := r.Store.CancelRequested(ctx, jobID); err == nil && c {
					cancel()
					return
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// Cancel asks a running job to stop: the flag is recorded (so the replica running it
// stops it) and, when the job runs here, its context is cancelled at once. It waits up
// to wait for the job to end and returns its state. A job not running is a
// *store.ConflictError (not-running).
func (r *Runner) Cancel(ctx context.Context, actor, jobID string, wait time.Duration) (store.SolveJob, error) {
	job, err := r.Store.RequestCancel(ctx, actor, jobID)
	if err != nil {
		return job, err
	}
	r.mu.Lock()
	cancel := r.running[jobID]
	r.mu.Unlock()
	if cancel == nil {
		return job, nil // running on another replica: it polls the flag
	}
	cancel()
	deadline := time.Now().Add(wait)
	for job.Status == "running" && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return job, nil
		case <-time.After(20 * time.Millisecond):
		}
		if job, err = r.Store.GetJob(ctx, jobID); err != nil {
			return job, err
		}
	}
	return job, nil
}

// Wait blocks until every started job finished (tests, shutdown).
func (r *Runner) Wait() { r.wg.Wait() }

// run solves under ctx (cancellable) and records the outcome under rec (not cancelled).
func (r *Runner) run(ctx, rec context.Context, jobID, actor string, semesterID int64, mode string) {
	res, err := r.solve(ctx, jobID, actor, semesterID, mode)
	status, msg := "succeeded", ""
	switch {
	case err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled):
		status, msg, res = "cancelled", "cancelled on request; nothing was written", nil
		r.Log.InfoContext(rec, "solve cancelled", "job_id", jobID, "semester_id", semesterID)
	case err != nil:
		status, msg = "failed", err.Error()
		var ce *store.ConflictError
		if errors.As(err, &ce) {
			msg = "the semester changed while solving (" + ce.Detail + "); run the solver again"
		}
		r.Log.WarnContext(rec, "solve failed", "job_id", jobID, "semester_id", semesterID, "error", err)
		res = nil
	}
	if err := r.Store.FinishJob(rec, jobID, status, res, msg); err != nil {
		r.Log.ErrorContext(rec, "record solve result", "job_id", jobID, "error", err)
	}
}

func (r *Runner) solve(ctx context.Context, jobID, actor string, semesterID int64, mode string) (*Result, error) {
	si, err := r.Store.LoadSemester(ctx, semesterID)
	if err != nil {
		return nil, err
	}
	pub, err := r.Store.LatestPublication(ctx, semesterID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if mode == store.ModeMinimalPerturbation {
			return nil, ErrNoPublication
		}
	case err != nil:
		return nil, err
	}
	published := publishedCells(si, pub)
	if mode == store.ModeMinimalPerturbation {
		si.Input.Previous = make([]solver.Assignment, 0, len(published))
		for _, p := range published {
			si.Input.Previous = append(si.Input.Previous, solver.Assignment{SectionID: store.ID(p.DemandID), Day: timegrid.Day(p.Day), RoomID: store.ID(p.RoomID)})
		}
	}
	var last time.Time
	opts := r.Options
	opts.Progress = func(p solver.Progress) {
		if r.OnProgress != nil {
			r.OnProgress(ctx, jobID, p)
		}
		if time.Since(last) < 200*time.Millisecond && p.Done != p.Total {
			return
		}
		last = time.Now()
		_ = r.Store.UpdateJobProgress(ctx, jobID, Progress{Phase: p.Phase, Done: p.Done, Total: p.Total, Placed: p.Placed, Bound: p.Bound})
	}
	start := time.Now()
	sol, err := solver.Solve(ctx, si.Input, opts)
	if err != nil {
		return nil, err
	}
	for _, n := range sol.Stats.Notes {
		r.Log.WarnContext(ctx, "solver note", "job_id", jobID, "semester_id", semesterID, "note", n)
	}
	r.Metrics.Duration.Observe(time.Since(start).Seconds())
	r.Metrics.Placed.Set(float64(sol.Stats.Placed))
	r.Metrics.Score.Set(float64(sol.Stats.SoftScore))
	res := &Result{
		SectionDays: sol.Stats.SectionDays, Placed: sol.Stats.Placed, PlacedUpperBound: sol.Stats.PlacedUpperBound,
		PlacedProven: sol.Stats.PlacedProven, SoftScore: sol.Stats.SoftScore, SoftUpperBound: sol.Stats.SoftUpperBound,
		WastedSeats: sol.Stats.WastedSeats, Moved: sol.Stats.Moved, DurationMS: sol.Stats.Duration.Milliseconds(), Unplaced: []Unplaced{},
		Mode: mode, PublicationID: pub.ID, Moves: []Move{}, Notes: append([]string{}, sol.Stats.Notes...),
	}
	compareWithPublication(res, si, published, sol)
	var ins []store.NewAllocation
	for _, sr := range sol.Results {
		did := store.ParseID(sr.SectionID)
		d := si.Demands[did]
		if sr.RoomID == "" {
			u := Unplaced{DemandID: did, DisciplineCode: d.DisciplineCode, Section: d.Section, Day: int(sr.Day)}
			if sr.Unplaced != nil {
				u.Code, u.Message, u.Conflicts = string(sr.Unplaced.Code), sr.Unplaced.Message, sr.Unplaced.Conflicts
			}
			res.Unplaced = append(res.Unplaced, u)
			continue
		}
		if sr.Pinned {
			continue
		}
		ins = append(ins, store.NewAllocation{DemandID: did, Day: int(sr.Day), RoomID: store.ParseID(sr.RoomID), Source: "solver",
			Score: sr.Score.Total, Reason: reason(sr)})
	}
	if err := r.Store.ReplaceSolverResult(ctx, actor, semesterID, ins, map[string]any{"job_id": jobID, "placed": res.Placed, "section_days": res.SectionDays}); err != nil {
		return nil, err
	}
	return res, nil
}

// publishedCells returns the publication's section-days that still exist: the demand is
// in the semester (not withdrawn) and still meets on that day.
func publishedCells(si *store.SemesterInput, pub store.Publication) []store.PublishedAllocation {
	meets := map[[2]int64]bool{}
	for _, s := range si.Input.Sections {
		for _, d := range s.Schedule.Days() {
			meets[[2]int64{store.ParseID(s.ID), int64(d)}] = true
		}
	}
	var out []store.PublishedAllocation
	for _, p := range pub.Allocations {
		if meets[[2]int64{p.DemandID, int64(p.Day)}] {
			out = append(out, p)
		}
	}
	return out
}

// compareWithPublication counts and lists the published section-days whose room changed.
func compareWithPublication(res *Result, si *store.SemesterInput, published []store.PublishedAllocation, sol *solver.Solution) {
	now := map[[2]int64]int64{}
	for _, a := range sol.Assignments {
		now[[2]int64{store.ParseID(a.SectionID), int64(a.Day)}] = store.ParseID(a.RoomID)
	}
	res.PublishedSectionDays = len(published)
	for _, p := range published {
		to := now[[2]int64{p.DemandID, int64(p.Day)}]
		if to == p.RoomID {
			continue
		}
		d := si.Demands[p.DemandID]
		res.PublishedMoved++
		res.Moves = append(res.Moves, Move{DemandID: p.DemandID, DisciplineCode: d.DisciplineCode, Section: d.Section, Day: p.Day, FromRoomID: p.RoomID, ToRoomID: to})
	}
}

func reason(sr solver.SectionDayResult) string {
	s := sr.Score
	msg := "best room for " + timegrid.Day(sr.Day).String() + ":"
	add := func(n int, what string) {
		if n != 0 {
			msg += " " + what + " +" + strconv.Itoa(n) + ";"
		}
	}
	add(s.PreferredRoom, "professor's preferred room")
	add(s.PreferredCharacteristic, "professor's preferred characteristic")
	add(s.SoftRules, "soft rules")
	add(s.History, "history")
	add(s.SameRoomAcrossDays, "same room across days")
	add(s.PreviousRoom, "kept previous room")
	msg += " wasted seats " + strconv.Itoa(s.WastedSeats)
	for _, n := range s.Notes {
		msg += "; " + n
	}
	return msg
}
