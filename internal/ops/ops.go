// Package ops serves the operational HTTP endpoints: /healthz, /readyz and
// /backup (and later /metrics). It binds to loopback by default.
package ops

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server holds what the endpoints report on.
type Server struct {
	// Ready returns nil when the bot can do its job, or the reason it can't.
	Ready func() error
	// Backup writes a consistent copy of the database. Nil disables /backup.
	Backup func(w io.Writer) (int64, error)
	// BackupToken must be presented as "Authorization: Bearer …" to /backup.
	BackupToken string
	Logger      *slog.Logger
	// Metrics serves /metrics (Prometheus); nil leaves it out.
	Metrics http.Handler
}

// Handler returns the HTTP handler with every endpoint.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if s.Ready != nil {
			if err := s.Ready(); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintf(w, "not ready: %v\n", err)
				return
			}
		}
		io.WriteString(w, "ready\n")
	})
	mux.HandleFunc("GET /backup", s.serveBackup)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics)
	}
	return mux
}

func (s *Server) serveBackup(w http.ResponseWriter, r *http.Request) {
	if s.Backup == nil || s.BackupToken == "" {
		http.Error(w, "backup is not available", http.StatusNotFound)
		return
	}
	got := r.Header.Get("Authorization")
	want := "Bearer " + s.BackupToken
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	n, err := s.Backup(w)
	if err != nil && s.Logger != nil {
		s.Logger.Error("backup over http failed", "bytes", n, "err", err)
	}
}

// Listen binds addr, so callers learn a bad or taken address before they
// start anything else.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ops: listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves on ln until ctx ends, then shuts down with a fresh timeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("ops: serve: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("ops: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ops: serve: %w", err)
	}
	return nil
}
