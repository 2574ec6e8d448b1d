package ocr

// #cgo LDFLAGS: -llept
// #include <leptonica/allheaders.h>
import "C"

import (
	"os"
	"sync"
)

var quietOnce sync.Once

// quietLeptonica stops Leptonica, the image library under Tesseract,
// printing to stderr. Tesseract's page layout sometimes asks it to scale
// a part of a photo down to nothing: it prints "Error in pixScaleAreaMap:
// pixd too small" and three more lines for the NULL that follows, skips
// the part and reads the page (a softened composite did this in eval).
// Between the progress lines of a scan they look like the audit failed,
// and, like Tesseract's own diagnostics (debug_file), say nothing a user
// can act on; the reading's errors reach the report through Read's
// return. LEPT_MSG_SEVERITY, when set, still decides (for debugging).
func quietLeptonica() {
	quietOnce.Do(func() {
		if _, set := os.LookupEnv("LEPT_MSG_SEVERITY"); set {
			C.setMsgSeverity(C.L_SEVERITY_EXTERNAL)
			return
		}
		C.setMsgSeverity(C.L_SEVERITY_NONE)
	})
}

// leptonicaSeverity is the least severity of message Leptonica prints
// (L_SEVERITY_NONE, 6, prints none).
func leptonicaSeverity() int {
	old := C.setMsgSeverity(C.L_SEVERITY_NONE)
	C.setMsgSeverity(old)
	return int(old)
}
