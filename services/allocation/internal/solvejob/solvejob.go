// Package solvejob runs the allocation solver for a semester as an asynchronous job:
// the job row records progress and the result (statistics and, for every unplaced
// section-day, why), and the placed section-days replace the semester's unpinned
// allocations in one transaction.
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

	wg sync.WaitGroup
}

// Start records a job and runs it in the background.
func (r *Runner) Start(ctx context.Context, actor string, semesterID int64) (store.SolveJob, error) {
	if _, err := r.Store.GetSemester(ctx, semesterID); err != nil {
		return store.SolveJob{}, err
	}
	job, err := r.Store.CreateJob(ctx, actor, semesterID)
	if err != nil {
		return job, err
	}
	base := r.Base
	if base == nil {
		base = context.Background()
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.run(context.WithoutCancel(base), job.ID, actor, semesterID)
	}()
	return job, nil
}

// Wait blocks until every started job finished (tests, shutdown).
func (r *Runner) Wait() { r.wg.Wait() }

func (r *Runner) run(ctx context.Context, jobID, actor string, semesterID int64) {
	res, err := r.solve(ctx, jobID, actor, semesterID)
	status, msg := "succeeded", ""
	if err != nil {
		status, msg = "failed", err.Error()
		var ce *store.ConflictError
		if errors.As(err, &ce) {
			msg = "the semester changed while solving (" + ce.Detail + "); run the solver again"
		}
		r.Log.WarnContext(ctx, "solve failed", "job_id", jobID, "semester_id", semesterID, "error", err)
		res = nil
	}
	if err := r.Store.FinishJob(ctx, jobID, status, res, msg); err != nil {
		r.Log.ErrorContext(ctx, "record solve result", "job_id", jobID, "error", err)
	}
}

func (r *Runner) solve(ctx context.Context, jobID, actor string, semesterID int64) (*Result, error) {
	si, err := r.Store.LoadSemester(ctx, semesterID)
	if err != nil {
		return nil, err
	}
	var last time.Time
	opts := solver.Options{Progress: func(p solver.Progress) {
		if time.Since(last) < 200*time.Millisecond && p.Done != p.Total {
			return
		}
		last = time.Now()
		_ = r.Store.UpdateJobProgress(ctx, jobID, Progress{Phase: p.Phase, Done: p.Done, Total: p.Total, Placed: p.Placed, Bound: p.Bound})
	}}
	start := time.Now()
	sol, err := solver.Solve(ctx, si.Input, opts)
	if err != nil {
		return nil, err
	}
	r.Metrics.Duration.Observe(time.Since(start).Seconds())
	r.Metrics.Placed.Set(float64(sol.Stats.Placed))
	r.Metrics.Score.Set(float64(sol.Stats.SoftScore))
	res := &Result{
		SectionDays: sol.Stats.SectionDays, Placed: sol.Stats.Placed, PlacedUpperBound: sol.Stats.PlacedUpperBound,
		PlacedProven: sol.Stats.PlacedProven, SoftScore: sol.Stats.SoftScore, SoftUpperBound: sol.Stats.SoftUpperBound,
		WastedSeats: sol.Stats.WastedSeats, Moved: sol.Stats.Moved, DurationMS: sol.Stats.Duration.Milliseconds(), Unplaced: []Unplaced{},
	}
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
