package export

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// maxFileSize bounds every file read from an export.
const maxFileSize = 256 << 20

// sizeString formats a size limit.
func sizeString(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// errTooLarge is a file over the size limit.
var errTooLarge = errors.New("larger than the limit")

// source is where an export's files come from: a zip archive or a folder.
// Names are slash-separated paths inside the export. read is safe for
// concurrent use.
type source interface {
	// files lists every file.
	files() ([]string, error)
	// read returns the named file's content, reusing buf, or errTooLarge
	// when it holds more than limit bytes.
	read(name string, limit int64, buf []byte) ([]byte, error)
	close() error
}

// readAll reads r into buf up to limit bytes; hint is the expected size.
func readAll(r io.Reader, limit int64, buf []byte, hint int64) ([]byte, error) {
	if hint > limit {
		return buf[:0], errTooLarge
	}
	if hint >= 0 && int64(cap(buf)) < hint+1 {
		buf = make([]byte, 0, hint+1)
	}
	buf = buf[:0]
	lr := io.LimitReader(r, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf[:0], errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf[:0], err
		}
	}
}

// zipSource reads an export from a zip archive.
type zipSource struct {
	zr     *zip.Reader
	closer io.Closer
	byName map[string]*zip.File
	names  []string // in archive order, without directories and repeats
	size   int64    // of the archive
}

func openZip(name string) (*zipSource, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	z, err := newZipSource(f, fi.Size(), f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return z, nil
}

// newZipSource reads the archive in r, of size bytes; closer, if any, is
// closed by close.
func newZipSource(r io.ReaderAt, size int64, closer io.Closer) (*zipSource, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !(zr != nil && errors.Is(err, zip.ErrInsecurePath)) {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("not a zip archive, or a truncated one: %w", err)
		}
		return nil, err
	}
	z := &zipSource{zr: zr, closer: closer, size: size, byName: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		// Some Windows archivers write backslashes.
		name := strings.ReplaceAll(f.Name, "\\", "/")
		if strings.HasSuffix(name, "/") {
			continue
		}
		if _, dup := z.byName[name]; !dup {
			z.byName[name] = f
			z.names = append(z.names, name)
		}
	}
	return z, nil
}

func (z *zipSource) files() ([]string, error) { return z.names, nil }

func (z *zipSource) read(name string, limit int64, buf []byte) ([]byte, error) {
	f := z.byName[name]
	if f == nil {
		return buf[:0], fs.ErrNotExist
	}
	if f.UncompressedSize64 > uint64(limit) {
		return buf[:0], errTooLarge
	}
	r, err := f.Open()
	if err != nil {
		return buf[:0], err
	}
	defer r.Close()
	// The declared size can lie; readAll stops at limit whatever it says,
	// and archive/zip refuses more data than declared. Believe it only up
	// to what deflate can expand the compressed bytes to.
	hint := int64(f.UncompressedSize64)
	if c := min(f.CompressedSize64, uint64(z.size)); c < uint64(limit/1100) && hint > int64(c)*1100+512 {
		hint = int64(c)*1100 + 512
	}
	b, err := readAll(r, limit, buf, hint)
	if err != nil && !errors.Is(err, errTooLarge) {
		err = fmt.Errorf("corrupt zip entry: %w", err)
	}
	return b, err
}

func (z *zipSource) close() error {
	if z.closer == nil {
		return nil
	}
	return z.closer.Close()
}

// dirSource reads an export from a folder. Files are opened through an
// os.Root, so no name (or symbolic link) reaches outside it.
type dirSource struct {
	root *os.Root
}

func openDir(name string) (*dirSource, error) {
	root, err := os.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	return &dirSource{root: root}, nil
}

// files lists the folder three levels deep: an optional enclosing folder,
// conversation folders and their day files.
func (d *dirSource) files() ([]string, error) {
	var out []string
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		f, err := d.root.Open(dir)
		if err != nil {
			return err
		}
		ents, err := f.ReadDir(-1)
		f.Close()
		if err != nil {
			return err
		}
		for _, e := range ents {
			name := path.Join(dir, e.Name())
			switch {
			case e.IsDir():
				if depth < 2 {
					if err := walk(name, depth+1); err != nil {
						return err
					}
				} else {
					out = append(out, name+"/")
				}
			case e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0:
				out = append(out, name)
			}
		}
		return nil
	}
	if err := walk(".", 0); err != nil {
		return nil, err
	}
	return out, nil
}

func (d *dirSource) read(name string, limit int64, buf []byte) ([]byte, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return buf[:0], err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return buf[:0], err
	}
	if !fi.Mode().IsRegular() {
		return buf[:0], errors.New("not a regular file")
	}
	return readAll(f, limit, buf, fi.Size())
}

func (d *dirSource) close() error { return d.root.Close() }
