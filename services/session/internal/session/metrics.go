package session

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the session domain's Prometheus metrics.
type Metrics struct {
	reg prometheus.Registerer
	// validate's children by result, resolved once: the hot path skips the label lookup.
	validValid, validInvalid, validUnavailable prometheus.Observer
	creates                                    *prometheus.CounterVec
	revokes                                    *prometheus.CounterVec
	// cacheHit and cacheMiss count validations answered from memory or the store;
	// feedUp is 1 while the revocation feed is subscribed. Only with the cache on.
	cacheHit, cacheMiss prometheus.Counter
	feedUp              prometheus.Gauge
}

// NewMetrics registers the domain counters and the validate latency histogram on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	labels := prometheus.Labels{"service": "session"}
	validate := f.NewHistogramVec(prometheus.HistogramOpts{
		Name: "planta_session_validate_duration_seconds", ConstLabels: labels,
		Help:    "Latency of session validation (from the cache or one Redis round trip) by result: valid, invalid, unavailable.",
		Buckets: []float64{.00001, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"result"})
	return &Metrics{
		reg:              reg,
		validValid:       validate.WithLabelValues("valid"),
		validInvalid:     validate.WithLabelValues("invalid"),
		validUnavailable: validate.WithLabelValues("unavailable"),
		creates: f.NewCounterVec(prometheus.CounterOpts{
			Name: "planta_sessions_created_total", ConstLabels: labels,
			Help: "Sessions created by kind: login, impersonation, rotation (impersonation stop).",
		}, []string{"kind"}),
		revokes: f.NewCounterVec(prometheus.CounterOpts{
			Name: "planta_sessions_revoked_total", ConstLabels: labels,
			Help: "Sessions revoked by reason: logout, user (one by id), revoke_all, impersonation_stop.",
		}, []string{"reason"}),
	}
}

// validated records one validation; hit counts only when the cache is on (watchCache
// registered its counters).
func (m *Metrics) validated(err error, d time.Duration, hit bool) {
	if m == nil {
		return
	}
	switch {
	case m.cacheHit == nil:
	case hit:
		m.cacheHit.Inc()
	default:
		m.cacheMiss.Inc()
	}
	o := m.validValid
	switch {
	case errors.Is(err, ErrInvalidSession):
		o = m.validInvalid
	case err != nil:
		o = m.validUnavailable
	}
	o.Observe(d.Seconds())
}

// watchCache registers the validation cache's metrics.
func (m *Metrics) watchCache(c *validCache) {
	if m == nil {
		return
	}
	f, labels := promauto.With(m.reg), prometheus.Labels{"service": "session"}
	cache := f.NewCounterVec(prometheus.CounterOpts{
		Name: "planta_session_validate_cache_total", ConstLabels: labels,
		Help: "Validations by where the answer came from: hit (memory) or miss (Redis).",
	}, []string{"result"})
	m.cacheHit, m.cacheMiss = cache.WithLabelValues("hit"), cache.WithLabelValues("miss")
	m.feedUp = f.NewGauge(prometheus.GaugeOpts{
		Name: "planta_session_revocation_feed_up", ConstLabels: labels,
		Help: "1 while the Redis subscription that keeps the validation cache exact is live (0: every validation goes to Redis).",
	})
	f.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "planta_session_validate_cache_entries", ConstLabels: labels,
		Help: "Sessions held in the validation cache.",
	}, func() float64 { return float64(c.len()) })
}

func (m *Metrics) setFeedUp(up bool) {
	if m == nil || m.feedUp == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.feedUp.Set(v)
}

func (m *Metrics) created(kind string) {
	if m != nil {
		m.creates.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) revoked(reason string, n int) {
	if m != nil && n > 0 {
		m.revokes.WithLabelValues(reason).Add(float64(n))
	}
}

// ActiveCollector exports planta_sessions_active, computed at scrape time from the
// store's expiry index (Store.CountActive: one ZCOUNT, no SCAN). It is approximate:
// a session counts until its idle or absolute expiry as of its last use, so a session
// killed by a not-before instant alone (without deletion) counts until then. When the
// store cannot answer the metric is left out of the scrape rather than reported as 0.
type ActiveCollector struct {
	store Store
	now   func() time.Time
	desc  *prometheus.Desc
}

// NewActiveCollector returns the collector; register it on the service's registry.
func NewActiveCollector(store Store, clock func() time.Time) *ActiveCollector {
	if clock == nil {
		clock = time.Now
	}
	return &ActiveCollector{store: store, now: clock, desc: prometheus.NewDesc("planta_sessions_active",
		"Approximate number of live sessions (expiry index count at scrape time).", nil, prometheus.Labels{"service": "session"})}
}

// Describe implements prometheus.Collector.
func (c *ActiveCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *ActiveCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	n, err := c.store.CountActive(ctx, c.now().UTC())
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}
