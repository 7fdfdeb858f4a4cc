package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpMetrics are the per-route HTTP metrics, labelled by route pattern, method and status.
type httpMetrics struct {
	duration *prometheus.HistogramVec
	requests *prometheus.CounterVec
	inFlight prometheus.Gauge
}

// newHTTPMetrics registers the HTTP metrics on reg, reusing collectors already there
// (a second router over the same registry, as in tests, shares them).
func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "instructd_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route", "method", "status"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "instructd_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "instructd_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	m.duration = register(reg, m.duration)
	m.requests = register(reg, m.requests)
	m.inFlight = register(reg, m.inFlight)
	return m
}

// register adds c to reg, or returns the equal collector registered before.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("api: registering HTTP metrics: " + err.Error())
	}
	return c
}

// observe records one finished request.
func (m *httpMetrics) observe(method, route string, status int, elapsed time.Duration) {
	s := strconv.Itoa(status)
	m.duration.WithLabelValues(route, method, s).Observe(elapsed.Seconds())
	m.requests.WithLabelValues(route, method, s).Inc()
}

// metricsHandler serves the registry in the Prometheus text format.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
