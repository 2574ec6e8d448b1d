package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/rwcarlsen/goexif/exif"
	"github.com/rwcarlsen/goexif/tiff"
)

// Metadata is what the original file says about itself that may identify
// a person or a place. Safe copies never carry any of it.
type Metadata struct {
	HasEXIF     bool     `json:"has_exif"`
	Orientation int      `json:"orientation,omitempty"`
	GPS         *GPS     `json:"gps,omitempty"`
	CaptureTime string   `json:"capture_time,omitempty"`
	Camera      string   `json:"camera,omitempty"`
	Personal    []string `json:"personal_fields,omitempty"` // names of owner/serial/author fields present
	Thumbnail   bool     `json:"thumbnail,omitempty"`
	XMP         bool     `json:"xmp,omitempty"`
	IPTC        bool     `json:"iptc,omitempty"`
	// EXIFUnreadable says the file has an EXIF block that could not be
	// read (damaged, or in a form goexif does not know): whatever it held
	// is not known, but the safe copy drops it all the same.
	EXIFUnreadable bool `json:"exif_unreadable,omitempty"`
	// Blocks names every block of metadata the file carries, in file
	// order, once each ("EXIF", "XMP", "ICC profile", "JPEG comment",
	// "PNG text chunk"): all of them are what the safe copy, encoded
	// from pixels alone, leaves out, and the compliance record lists
	// them.
	Blocks []string `json:"blocks,omitempty"`
}

// GPS is a position in degrees.
type GPS struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// EXIF 2.3 tags that goexif does not name: they hold an owner's name and
// serial numbers, both identifiers.
const (
	tagCameraOwner  = 0xA430
	tagBodySerial   = 0xA431
	tagLensSerial   = 0xA435
	fieldOwner      = exif.FieldName("CameraOwnerName")
	fieldBodySerial = exif.FieldName("BodySerialNumber")
	fieldLensSerial = exif.FieldName("LensSerialNumber")
)

// personalParser loads the owner and serial tags from the EXIF sub-IFD.
type personalParser struct{}

func (personalParser) Parse(x *exif.Exif) error {
	ptr, err := x.Get(exif.ExifIFDPointer)
	if err != nil {
		return nil
	}
	off, err := ptr.Int64(0)
	if err != nil {
		return nil
	}
	r := bytes.NewReader(x.Raw)
	if _, err := r.Seek(off, 0); err != nil {
		return nil
	}
	d, _, err := tiff.DecodeDir(r, x.Tiff.Order)
	if err != nil {
		return nil
	}
	x.LoadTags(d, map[uint16]exif.FieldName{
		tagCameraOwner: fieldOwner,
		tagBodySerial:  fieldBodySerial,
		tagLensSerial:  fieldLensSerial,
	}, false)
	return nil
}

func init() { exif.RegisterParsers(personalParser{}) }

// readMetadata never fails: a photo with broken EXIF is still a photo, and
// its safe copy drops whatever was there.
func readMetadata(data []byte) Metadata {
	var m Metadata
	// An XMP packet, wherever it sits (a JPEG's APP1, a PNG's iTXt, a
	// WebP's XMP chunk): its namespace, its wrapper or PNG's keyword for it.
	for _, mark := range []string{"http://ns.adobe.com/xap/1.0/", "<x:xmpmeta", "XML:com.adobe.xmp"} {
		m.XMP = m.XMP || bytes.Contains(data, []byte(mark))
	}
	m.IPTC = bytes.Contains(data, []byte("Photoshop 3.0\x008BIM"))
	block, ok := exifBlock(data)
	m.Blocks = metadataBlocks(data, ok)
	if !ok {
		return m
	}
	m.HasEXIF = true
	if !exifSane(block) {
		m.EXIFUnreadable = true
		return m
	}
	x, err := exif.Decode(bytes.NewReader(block))
	if err != nil || x == nil {
		m.EXIFUnreadable = true
		return m
	}
	if t, err := x.Get(exif.Orientation); err == nil {
		if v, err := t.Int(0); err == nil && v >= 1 && v <= 8 {
			m.Orientation = v
		}
	}
	if lat, lon, err := x.LatLong(); err == nil {
		m.GPS = &GPS{Lat: lat, Lon: lon}
	}
	if t, err := x.DateTime(); err == nil {
		m.CaptureTime = t.Format("2006-01-02T15:04:05")
	}
	var cam []string
	for _, f := range []exif.FieldName{exif.Make, exif.Model} {
		if s := str(x, f); s != "" {
			cam = append(cam, s)
		}
	}
	m.Camera = strings.Join(cam, " ")
	for _, f := range []exif.FieldName{fieldOwner, fieldBodySerial, fieldLensSerial, exif.Artist, exif.Copyright, exif.XPAuthor, exif.ImageUniqueID} {
		if _, err := x.Get(f); err == nil {
			m.Personal = append(m.Personal, string(f))
		}
	}
	if _, err := x.JpegThumbnail(); err == nil {
		m.Thumbnail = true
	}
	return m
}

// exifBlock finds a file's EXIF block: the TIFF structure in a JPEG's
// APP1 "Exif" segment (whichever APP1 it is: goexif looked at the first,
// so an XMP segment before it hid the GPS), a PNG's eXIf chunk, a WebP's
// EXIF chunk, or a TIFF file itself.
func exifBlock(data []byte) (block []byte, found bool) {
	exifHeader := []byte("Exif\x00\x00")
	switch {
	case isJPEG(data):
		jpegSegments(data, func(marker byte, seg []byte) bool {
			if marker == 0xE1 && bytes.HasPrefix(seg, exifHeader) {
				block, found = seg[len(exifHeader):], true
			}
			return !found
		})
	case isPNG(data):
		pngChunks(data, func(kind string, body []byte) bool {
			if kind == "eXIf" {
				block, found = body, true
			}
			return !found
		})
	case isWebP(data):
		webpChunks(data, func(kind string, body []byte) bool {
			if kind == "EXIF" {
				block, found = bytes.TrimPrefix(body, exifHeader), true
			}
			return !found
		})
	case isTIFF(data):
		return data, true
	case isHEIF(data):
		// The Exif item's payload is an offset, then (after "Exif\0\0"
		// or not, as the writer chose) the TIFF structure, somewhere in
		// the file's media data: the first TIFF header past the item's
		// declaration whose entries all fit (exifSane) is it.
		decl := bytes.Index(data, []byte("Exif"))
		if decl < 0 {
			break
		}
		for i := decl; i+8 <= len(data); i++ {
			if m := string(data[i : i+4]); m != "II*\x00" && m != "MM\x00*" {
				continue
			}
			if exifSane(data[i:]) {
				return data[i:], true
			}
		}
	}
	return block, found
}

func isJPEG(data []byte) bool { return len(data) > 4 && data[0] == 0xFF && data[1] == 0xD8 }
func isPNG(data []byte) bool  { return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) }
func isWebP(data []byte) bool {
	return len(data) > 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP"
}
func isTIFF(data []byte) bool {
	return bytes.HasPrefix(data, []byte("II*\x00")) || bytes.HasPrefix(data, []byte("MM\x00*"))
}

// jpegSegments calls f with the marker and payload of each of a JPEG's
// segments before its image data, until f returns false.
func jpegSegments(data []byte, f func(marker byte, seg []byte) bool) {
	for i := 2; i+4 <= len(data) && data[i] == 0xFF; {
		marker := data[i+1]
		if marker == 0xFF { // fill byte before a marker
			i++
			continue
		}
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			i += 2 // no length
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data: no more metadata
			return
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 { // the length counts its own two bytes
			return
		}
		if !f(marker, data[i+4:min(len(data), i+2+n)]) {
			return
		}
		i += 2 + n
	}
}

// wholeJPEG says whether data is a JPEG that libjpeg decodes as the
// standard library does: its frame Huffman-coded (baseline, extended or
// progressive) with one (grey) or three (YCbCr) components, and every
// scan followed by markers up to an end-of-image marker. A file cut
// short has no end-of-image marker after its last scan; one in an EXIF
// thumbnail does not count, since segments are skipped by their length.
// (Arithmetic coding, CMYK and 12-bit samples go to the standard
// library, which says what it cannot read.)
func wholeJPEG(data []byte) bool {
	if !isJPEG(data) {
		return false
	}
	plain := false
	for i := 2; i+2 <= len(data); {
		if data[i] != 0xFF {
			return false
		}
		marker := data[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xD9:
			return plain
		case marker >= 0xD0 && marker <= 0xD7 || marker == 0x01:
			i += 2
			continue
		}
		if i+4 > len(data) {
			return false
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return false
		}
		seg := data[i+4 : i+2+n]
		switch marker {
		case 0xC0, 0xC1, 0xC2: // start of frame, Huffman
			plain = len(seg) >= 6 && seg[0] == 8 && (seg[5] == 1 || seg[5] == 3)
		case 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
			return false // lossless, hierarchical or arithmetic-coded
		}
		i += 2 + n
		if marker != 0xDA {
			continue
		}
		// Entropy-coded data: a 0xFF in it is followed by 0x00 (a
		// stuffed byte) or a restart marker; anything else is the next
		// marker.
		for i < len(data) {
			j := bytes.IndexByte(data[i:], 0xFF)
			if j < 0 || i+j+1 >= len(data) {
				return false
			}
			i += j
			if m := data[i+1]; m == 0x00 || m >= 0xD0 && m <= 0xD7 {
				i += 2
				continue
			}
			break
		}
	}
	return false
}

// pngChunks calls f with the type and body of each of a PNG's chunks,
// until f returns false.
func pngChunks(data []byte, f func(kind string, body []byte) bool) {
	for i := 8; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		if n < 0 || i+12+n > len(data) {
			return
		}
		if !f(string(data[i+4:i+8]), data[i+8:i+8+n]) {
			return
		}
		i += 12 + n
	}
}

// webpChunks calls f with the FourCC and body of each of a WebP's RIFF
// chunks, until f returns false.
func webpChunks(data []byte, f func(kind string, body []byte) bool) {
	for i := 12; i+8 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		if n < 0 || i+8+n > len(data) {
			return
		}
		if !f(string(data[i:i+4]), data[i+8:i+8+n]) {
			return
		}
		i += 8 + n + n%2
	}
}

// exifSane says whether every entry of every IFD goexif reads (the IFD0
// chain and the EXIF, GPS and interoperability IFDs they point to)
// describes data that fits in the block. goexif allocates what an entry's
// count says before it reads: a forged count in one photo took 24 GB and
// ended the process (found by FuzzReadMetadata), which in watch mode
// would end it again on every restart.
func exifSane(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	var order binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return false
	}
	// Bytes a value of each TIFF type takes; unknown types count as 1.
	sizes := map[uint16]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
	size := uint64(len(b))
	seen := map[uint32]bool{}
	todo := []uint32{order.Uint32(b[4:])}
	for len(todo) > 0 {
		off := todo[0]
		todo = todo[1:]
		if off == 0 {
			continue
		}
		// A well-formed file reads each IFD once; goexif guards its
		// chain only against an IFD naming itself, so a cycle of two
		// looped for ever (FuzzReadMetadata).
		if seen[off] || len(seen) >= 32 {
			return false
		}
		seen[off] = true
		if uint64(off)+2 > size {
			return false
		}
		n := uint64(order.Uint16(b[off:]))
		end := uint64(off) + 2 + 12*n
		if end+4 > size {
			return false
		}
		for e := uint64(off) + 2; e < end; e += 12 {
			tag, typ, count := order.Uint16(b[e:]), order.Uint16(b[e+2:]), uint64(order.Uint32(b[e+4:]))
			each, ok := sizes[typ]
			if !ok {
				each = 1
			}
			if count*each > size {
				return false
			}
			if tag == 0x8769 || tag == 0x8825 || tag == 0xA005 { // EXIF, GPS, interoperability IFDs
				todo = append(todo, order.Uint32(b[e+8:]))
			}
		}
		todo = append(todo, order.Uint32(b[end:]))
	}
	return true
}

func str(x *exif.Exif, f exif.FieldName) string {
	t, err := x.Get(f)
	if err != nil {
		return ""
	}
	s, err := t.StringVal()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.Trim(s, "\x00"))
}

// metadataBlocks names the metadata blocks of a JPEG (APPn segments and
// comments), a PNG (ancillary text, EXIF, ICC and time chunks), a WebP
// (EXIF, XMP and ICC chunks) or a TIFF (its tags past the image's own,
// as one "TIFF tags" block), once each in file order.
func metadataBlocks(data []byte, hasEXIF bool) []string {
	var out []string
	add := func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	switch {
	case isJPEG(data):
		jpegSegments(data, func(marker byte, seg []byte) bool {
			switch {
			case marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00")):
				add("EXIF")
			case marker == 0xE1 && (bytes.HasPrefix(seg, []byte("http://ns.adobe.com/xap/1.0/")) || bytes.HasPrefix(seg, []byte("http://ns.adobe.com/xmp/extension/"))):
				add("XMP")
			case marker == 0xE2 && bytes.HasPrefix(seg, []byte("ICC_PROFILE")):
				add("ICC profile")
			case marker == 0xE2 && bytes.HasPrefix(seg, []byte("MPF")):
				add("MPF (more images)")
			case marker == 0xED:
				add("IPTC/Photoshop")
			case marker == 0xFE:
				add("JPEG comment")
			case marker == 0xE0 && bytes.HasPrefix(seg, []byte("JFIF")):
				// The file format's own header, not metadata.
			case marker >= 0xE0 && marker <= 0xEF:
				add(fmt.Sprintf("APP%d segment", marker-0xE0))
			}
			return true
		})
	case isPNG(data):
		names := map[string]string{"eXIf": "EXIF", "tEXt": "PNG text", "zTXt": "PNG text", "iTXt": "PNG text",
			"iCCP": "ICC profile", "tIME": "PNG time"}
		pngChunks(data, func(kind string, body []byte) bool {
			if name, ok := names[kind]; ok {
				if kind == "iTXt" && bytes.HasPrefix(body, []byte("XML:com.adobe.xmp")) {
					name = "XMP"
				}
				add(name)
			}
			return true
		})
	case isWebP(data):
		names := map[string]string{"EXIF": "EXIF", "XMP ": "XMP", "ICCP": "ICC profile"}
		webpChunks(data, func(kind string, _ []byte) bool {
			if name, ok := names[kind]; ok {
				add(name)
			}
			return true
		})
	case isHEIF(data):
		if hasEXIF {
			add("EXIF")
		}
		if bytes.Contains(data, []byte("<x:xmpmeta")) {
			add("XMP")
		}
	case isTIFF(data):
		for _, tag := range tiffTags(data) {
			if name, ok := tiffMetaTags[tag]; ok {
				add(name)
			} else if !tiffImageTags[tag] {
				add("TIFF tags")
			}
		}
	}
	return out
}

// tiffMetaTags are TIFF tags that hold a metadata block of their own.
var tiffMetaTags = map[uint16]string{34665: "EXIF", 34853: "EXIF", 700: "XMP", 33723: "IPTC/Photoshop", 34377: "IPTC/Photoshop", 34675: "ICC profile"}

// tiffImageTags describe the image itself (size, layout, compression,
// colour): what any TIFF safe copy has too.
var tiffImageTags = map[uint16]bool{254: true, 255: true, 256: true, 257: true, 258: true, 259: true, 262: true,
	266: true, 273: true, 274: true, 277: true, 278: true, 279: true, 282: true, 283: true, 284: true, 296: true,
	317: true, 320: true, 322: true, 323: true, 324: true, 325: true, 338: true, 339: true}

// tiffTags lists the tags of a TIFF's first IFD.
func tiffTags(b []byte) []uint16 {
	if len(b) < 8 {
		return nil
	}
	var order binary.ByteOrder = binary.LittleEndian
	if b[0] == 'M' {
		order = binary.BigEndian
	}
	off := int(order.Uint32(b[4:]))
	if off < 8 || off+2 > len(b) {
		return nil
	}
	n := int(order.Uint16(b[off:]))
	var out []uint16
	for i := 0; i < n && off+2+12*i+2 <= len(b); i++ {
		out = append(out, order.Uint16(b[off+2+12*i:]))
	}
	return out
}
