package models

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An uploaded file's name is kept only to show people (escaped by the
// templates); the name a file is downloaded under is made from it and from
// the type its bytes were sniffed as (DownloadName).

// fileNameRune tells whether r may stay in a file name: no control or
// format character (a right-to-left override turns "evil\u202efdp.exe"
// into "evilexe.pdf" on screen), no private-use character, no line or
// paragraph separator.
func fileNameRune(r rune) bool {
	return r != utf8.RuneError && !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp)
}

// cleanFileName is an uploaded file's name as shown: its last path
// element, without control or format characters, NFC, at most 120
// characters.
func cleanFileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if !fileNameRune(r) {
			return -1
		}
		return r
	}, name)
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = CleanLine(name)
	if name == "" || name == "." || name == "/" {
		name = "file"
	}
	for utf8.RuneCountInString(name) > 120 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// typeExtension is the extension of an accepted content type.
func typeExtension(contentType string) string {
	switch contentType {
	case TypePDF:
		return ".pdf"
	case TypeJPEG:
		return ".jpg"
	case TypePNG:
		return ".png"
	case TypeDOCX:
		return ".docx"
	}
	return ".bin"
}

// DownloadName is the name a stored file is offered under: the shown name
// in letters, digits, spaces, dots, dashes and underscores, its extension
// replaced by the one of the type its bytes were sniffed as.
func DownloadName(name, contentType string) string {
	ext := typeExtension(contentType)
	base := cleanFileName(name)
	base = strings.TrimSuffix(base, path.Ext(base))
	base = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r), r == ' ', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, base)
	base = strings.Trim(base, ". ")
	if base == "" {
		base = "file"
	}
	if !strings.HasSuffix(strings.ToLower(base), ext) {
		base += ext
	}
	return base
}

// ASCIIFileName is name with every non-ASCII character as "_": the
// fallback filename of a Content-Disposition header.
func ASCIIFileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
}
