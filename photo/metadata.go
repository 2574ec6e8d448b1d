package photo

import (
	"bytes"
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
	m.XMP = bytes.Contains(data, []byte("http://ns.adobe.com/xap/1.0/"))
	m.IPTC = bytes.Contains(data, []byte("Photoshop 3.0\x008BIM"))
	x, err := exif.Decode(bytes.NewReader(data))
	if err != nil || x == nil {
		return m
	}
	m.HasEXIF = true
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
