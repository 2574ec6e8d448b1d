package pipeline

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"photoaudit/report"
)

// Input is one file to audit.
type Input struct {
	// Path is where to read it.
	Path string
	// Rel is where its safe copy goes under safe/, and its name in the
	// report: relative to the folder given on the command line.
	Rel string
	// Err is set when the walk itself could not read this entry.
	Err error
}

var photoExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".tif": true, ".tiff": true,
	".webp": true, ".gif": true, ".bmp": true,
	// iPhones' default: decoded by heif-convert (package photo).
	".heic": true, ".heif": true, ".hif": true, ".avif": true,
}

// IsPhotoName reports whether a file name has a photo extension.
func IsPhotoName(name string) bool { return photoExts[strings.ToLower(filepath.Ext(name))] }

// Collect walks paths. Files named on the command line are always audited;
// inside folders, files with a photo extension are, and the rest are
// listed as skipped. Symbolic links to files are followed, links to
// folders are not (so a link loop cannot trap the walk), and exclude
// (the output folder) is never entered. A file named twice, or named and
// also inside a folder named, is audited once; the other names are
// listed as skipped.
func Collect(paths []string, exclude string) ([]Input, []report.Skip) {
	var inputs []Input
	var skipped []report.Skip
	absExclude, _ := filepath.Abs(exclude)
	seen := map[string]int{}
	// name is a file's name in the report and under safe/: relative to
	// the folder named, under that folder's own name when several paths
	// were named; a file named itself goes by its base name.
	name := func(root, rel string) string {
		if len(paths) > 1 && root != "" {
			rel = filepath.Join(filepath.Base(filepath.Clean(root)), rel)
		}
		rel = filepath.ToSlash(rel)
		seen[rel]++
		if n := seen[rel]; n > 1 {
			ext := filepath.Ext(rel)
			rel = fmt.Sprintf("%s~%d%s", strings.TrimSuffix(rel, ext), n, ext)
		}
		return rel
	}
	audited := map[string]string{} // a file's real path: its name
	once := func(path, rel string) bool {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return true // unreadable: reported as such, once a name
		}
		real, _ = filepath.Abs(real)
		if first, ok := audited[real]; ok {
			skipped = append(skipped, report.Skip{Source: rel, Reason: "the same file as " + first})
			return false
		}
		audited[real] = rel
		return true
	}
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil || !st.IsDir() {
			if rel := name("", filepath.Base(root)); once(root, rel) {
				inputs = append(inputs, Input{Path: root, Rel: rel, Err: err})
			}
			continue
		}
		walkErr := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			rel, _ := filepath.Rel(root, path)
			if err != nil {
				// An unreadable folder: say so and go on with the rest.
				inputs = append(inputs, Input{Path: path, Rel: name(root, rel), Err: err})
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				abs, _ := filepath.Abs(path)
				if abs == absExclude || (path != root && strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				if st, err := os.Stat(path); err == nil && st.IsDir() {
					skipped = append(skipped, report.Skip{Source: filepath.ToSlash(rel), Reason: "link to a folder, not followed"})
					return nil
				}
			}
			if !IsPhotoName(d.Name()) {
				skipped = append(skipped, report.Skip{Source: filepath.ToSlash(rel), Reason: "not a photo by its name"})
				return nil
			}
			if rel := name(root, rel); once(path, rel) {
				inputs = append(inputs, Input{Path: path, Rel: rel})
			}
			return nil
		})
		if walkErr != nil {
			inputs = append(inputs, Input{Path: root, Rel: name(root, filepath.Base(root)), Err: walkErr})
		}
	}
	return inputs, skipped
}
