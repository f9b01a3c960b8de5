package synth

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// A sink receives the export's files. prepare is called concurrently, by
// several encoders, and does the heavy part (writing a file, compressing
// it); commit is then called once per file, in order.
type sink interface {
	// prepare takes one file; name uses "/" separators. data may be reused
	// once prepare returns.
	prepare(name string, data []byte) (prepared, error)
	commit(p prepared) error
	close() error
	size() int64
}

type prepared struct {
	name string
	data []byte // compressed
	crc  uint32
	raw  uint64
}

type folderSink struct {
	root  string
	mu    sync.Mutex
	made  map[string]bool
	bytes atomic.Int64
}

func newFolderSink(root string) (*folderSink, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	f, err := os.Open(root)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	names, err := f.Readdirnames(1)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("synth: %w", err)
	}
	if len(names) > 0 {
		return nil, fmt.Errorf("synth: %s is not empty", root)
	}
	return &folderSink{root: root, made: map[string]bool{}}, nil
}

func (s *folderSink) prepare(name string, data []byte) (prepared, error) {
	if dir := path.Dir(name); dir != "." {
		s.mu.Lock()
		var err error
		if !s.made[dir] {
			err = os.MkdirAll(filepath.Join(s.root, filepath.FromSlash(dir)), 0o755)
			s.made[dir] = err == nil
		}
		s.mu.Unlock()
		if err != nil {
			return prepared{}, fmt.Errorf("synth: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(s.root, filepath.FromSlash(name)), data, 0o644); err != nil {
		return prepared{}, fmt.Errorf("synth: %w", err)
	}
	s.bytes.Add(int64(len(data)))
	return prepared{name: name}, nil
}

func (s *folderSink) commit(prepared) error { return nil }
func (s *folderSink) close() error          { return nil }
func (s *folderSink) size() int64           { return s.bytes.Load() }

// zipSink writes a zip as Slack does: a folder entry before the first file
// of each folder, deflated files, one fixed modification time so that the
// same input gives the same bytes. Files are compressed in parallel by
// prepare and stored in order by commit.
type zipSink struct {
	f     *os.File
	bw    *bufio.Writer
	zw    *zip.Writer
	mod   time.Time
	dir   map[string]bool
	bytes int64
}

// flaters reuses deflate state (about a megabyte each) across files.
var flaters sync.Pool

func newZipSink(name string, mod time.Time) (*zipSink, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	s := &zipSink{f: f, bw: bufio.NewWriterSize(f, 1<<20), mod: mod, dir: map[string]bool{}}
	s.zw = zip.NewWriter(s.bw)
	return s, nil
}

func (s *zipSink) prepare(name string, data []byte) (prepared, error) {
	var buf bytes.Buffer
	buf.Grow(len(data) / 3)
	fw, ok := flaters.Get().(*flate.Writer)
	if ok {
		fw.Reset(&buf)
	} else {
		var err error
		if fw, err = flate.NewWriter(&buf, flate.BestSpeed); err != nil {
			return prepared{}, fmt.Errorf("synth: %w", err)
		}
	}
	_, err := fw.Write(data)
	if err == nil {
		err = fw.Close()
	}
	flaters.Put(fw)
	if err != nil {
		return prepared{}, fmt.Errorf("synth: compress %s: %w", name, err)
	}
	return prepared{name: name, data: buf.Bytes(), crc: crc32.ChecksumIEEE(data), raw: uint64(len(data))}, nil
}

func (s *zipSink) commit(p prepared) error {
	if dir := path.Dir(p.name); dir != "." && !s.dir[dir] {
		if _, err := s.zw.CreateHeader(&zip.FileHeader{Name: dir + "/", Method: zip.Store, Modified: s.mod}); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		s.dir[dir] = true
	}
	w, err := s.zw.CreateRaw(&zip.FileHeader{
		Name: p.name, Method: zip.Deflate, Modified: s.mod,
		CRC32: p.crc, CompressedSize64: uint64(len(p.data)), UncompressedSize64: p.raw,
	})
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if _, err := w.Write(p.data); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

func (s *zipSink) close() error {
	err := s.zw.Close()
	if err == nil {
		err = s.bw.Flush()
	}
	if st, serr := s.f.Stat(); serr == nil {
		s.bytes = st.Size()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

func (s *zipSink) size() int64 { return s.bytes }
