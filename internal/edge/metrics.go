package edge

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the edge's Prometheus metrics, on a registry of their own
// (no process globals: two servers can live in one test process).
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	bytesIn  *prometheus.CounterVec
	bytesOut *prometheus.CounterVec
}

// NewMetrics builds the metrics on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tarn_requests_total",
			Help: "Requests served, by service, operation and HTTP status."}, []string{"service", "operation", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tarn_request_duration_seconds",
			Help: "Request latency by service and operation.", Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 14)},
			[]string{"service", "operation"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tarn_requests_in_flight", Help: "Requests being served."}),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tarn_request_bytes_total",
			Help: "Request body bytes declared by Content-Length."}, []string{"service"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tarn_response_bytes_total",
			Help: "Response body bytes written."}, []string{"service"}),
	}
	m.Registry.MustRegister(m.requests, m.duration, m.inFlight, m.bytesIn, m.bytesOut,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observe(svc, op string, status int, d time.Duration, in, out int64) {
	m.requests.WithLabelValues(svc, op, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(svc, op).Observe(d.Seconds())
	if in > 0 {
		m.bytesIn.WithLabelValues(svc).Add(float64(in))
	}
	m.bytesOut.WithLabelValues(svc).Add(float64(out))
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
