package ops

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path, auth string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestReadyz_TellsTheTruth(t *testing.T) {
	var reason error = errors.New("socket not connected")
	s := &Server{Ready: func() error { return reason }}
	h := s.Handler()
	if code, body := get(t, h, "/readyz", ""); code != 503 || !strings.Contains(body, "socket not connected") {
		t.Errorf("/readyz while down = %d %q; want 503 with reason", code, body)
	}
	reason = nil
	if code, _ := get(t, h, "/readyz", ""); code != 200 {
		t.Errorf("/readyz when up = %d; want 200", code)
	}
	if code, _ := get(t, h, "/healthz", ""); code != 200 {
		t.Errorf("/healthz = %d; want 200", code)
	}
}

func TestBackup_RequiresToken(t *testing.T) {
	s := &Server{BackupToken: "xoxb-1", Backup: func(w io.Writer) (int64, error) {
		n, err := io.WriteString(w, "DBBYTES")
		return int64(n), err
	}}
	h := s.Handler()
	for _, auth := range []string{"", "Bearer xoxb-2", "xoxb-1", "Bearer xoxb-1 "} {
		if code, body := get(t, h, "/backup", auth); code != 401 || strings.Contains(body, "DBBYTES") {
			t.Errorf("/backup with %q = %d; want 401 and no data", auth, code)
		}
	}
	if code, body := get(t, h, "/backup", "Bearer xoxb-1"); code != 200 || body != "DBBYTES" {
		t.Errorf("/backup with token = %d %q; want 200 DBBYTES", code, body)
	}
	if code, _ := get(t, (&Server{}).Handler(), "/backup", "Bearer "); code != 404 {
		t.Errorf("/backup without backup configured = %d; want 404", code)
	}
}
