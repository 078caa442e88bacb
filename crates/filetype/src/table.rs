//! The built-in table of file types and their families.
//!
//! Ids follow the scheme visible in the seed's examples: the high 16 bits
//! name a *family* (`0x0002` Adobe Acrobat, `0x0003` archives, `0x0004`
//! executables, `0x000A` Microsoft Office, `0x000F` custom types), the low 16
//! bits a type within it. An id whose low 16 bits are zero stands for the
//! whole family when used in a filter (`00030000` = every archive), see
//! [`id_matches`]. The signatures live in `signatures.json`, written in the
//! custom file type language itself.

use serde::Serialize;

/// What a file is, broadly: what DLP policies and the extraction stage care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Word processing and other text documents.
    Document,
    /// Spreadsheets.
    Spreadsheet,
    /// Slide decks.
    Presentation,
    /// PDF.
    Pdf,
    /// Archives and compressed files.
    Archive,
    /// Programs and scripts.
    Executable,
    /// Pictures.
    Image,
    /// Sound.
    Audio,
    /// Moving pictures.
    Video,
    /// Plain and marked-up text.
    Text,
    /// Mail messages and mail stores.
    Email,
    /// Anything else, including unknown binary data.
    Other,
}

/// A file type of the built-in table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FileType {
    /// Numeric identifier (`0x000A0100` is Word DOCX).
    pub id: u32,
    /// Text identifier, unique in the table (case-insensitive).
    pub name: &'static str,
    /// Broad kind.
    pub kind: Kind,
    /// Usual extensions, lowercase without dot; informative only.
    pub extensions: &'static [&'static str],
    /// MIME type.
    pub mime: &'static str,
}

impl FileType {
    /// The family id (low 16 bits cleared).
    pub fn family_id(&self) -> u32 {
        self.id & 0xFFFF_0000
    }

    /// The id as the policy documents write it: 8 uppercase hex digits.
    pub fn hex_id(&self) -> String {
        format!("{:08X}", self.id)
    }
}

/// A family of file types (ids with the same high 16 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Family {
    /// Family id: low 16 bits are zero.
    pub id: u32,
    /// Text identifier.
    pub name: &'static str,
}

/// The type returned when nothing matches.
pub const UNKNOWN_ID: u32 = 0x0000_0000;
/// Plain text (the fallback for data that looks like text).
pub const PLAIN_TEXT_ID: u32 = 0x0001_0100;
/// First id reserved for custom types defined in policies.
pub const CUSTOM_FIRST: u32 = 0x000F_0000;
/// Last id reserved for custom types defined in policies.
pub const CUSTOM_LAST: u32 = 0x000F_FFFF;

macro_rules! ft {
    ($id:expr, $name:expr, $kind:ident, [$($ext:expr),*], $mime:expr) => {
        FileType { id: $id, name: $name, kind: Kind::$kind, extensions: &[$($ext),*], mime: $mime }
    };
}

/// Every built-in file type, ordered by id.
pub static BUILTIN: &[FileType] = &[
    ft!(
        0x0000_0000,
        "Unknown",
        Other,
        [],
        "application/octet-stream"
    ),
    ft!(
        0x0001_0100,
        "Plain text",
        Text,
        ["txt", "log", "csv", "tsv", "md", "ini", "cfg"],
        "text/plain"
    ),
    ft!(
        0x0001_0200,
        "XML document",
        Text,
        ["xml"],
        "application/xml"
    ),
    ft!(
        0x0001_0300,
        "HTML document",
        Text,
        ["html", "htm", "xhtml"],
        "text/html"
    ),
    ft!(0x0001_0400, "SVG image", Image, ["svg"], "image/svg+xml"),
    ft!(
        0x0002_0000,
        "Adobe Acrobat",
        Pdf,
        ["pdf"],
        "application/pdf"
    ),
    ft!(
        0x0003_0100,
        "ZIP archive",
        Archive,
        ["zip", "jar", "apk"],
        "application/zip"
    ),
    ft!(
        0x0003_0200,
        "GZIP archive",
        Archive,
        ["gz", "tgz"],
        "application/gzip"
    ),
    ft!(
        0x0003_0300,
        "BZIP2 archive",
        Archive,
        ["bz2", "tbz2"],
        "application/x-bzip2"
    ),
    ft!(
        0x0003_0400,
        "XZ archive",
        Archive,
        ["xz", "txz"],
        "application/x-xz"
    ),
    ft!(
        0x0003_0500,
        "7-Zip archive",
        Archive,
        ["7z"],
        "application/x-7z-compressed"
    ),
    ft!(
        0x0003_0600,
        "RAR archive",
        Archive,
        ["rar"],
        "application/vnd.rar"
    ),
    ft!(
        0x0003_0700,
        "TAR archive",
        Archive,
        ["tar"],
        "application/x-tar"
    ),
    ft!(
        0x0003_0800,
        "Microsoft Cabinet",
        Archive,
        ["cab"],
        "application/vnd.ms-cab-compressed"
    ),
    ft!(
        0x0003_0900,
        "Zstandard archive",
        Archive,
        ["zst"],
        "application/zstd"
    ),
    ft!(
        0x0003_0A00,
        "ISO 9660 disc image",
        Archive,
        ["iso"],
        "application/x-iso9660-image"
    ),
    ft!(
        0x0004_0100,
        "Windows executable (PE)",
        Executable,
        ["exe", "dll", "sys", "scr", "ocx"],
        "application/vnd.microsoft.portable-executable"
    ),
    ft!(
        0x0004_0200,
        "MS-DOS executable",
        Executable,
        ["exe", "com"],
        "application/x-dosexec"
    ),
    ft!(
        0x0004_0300,
        "ELF executable",
        Executable,
        ["so", "o", "elf"],
        "application/x-elf"
    ),
    ft!(
        0x0004_0400,
        "Mach-O executable",
        Executable,
        ["dylib"],
        "application/x-mach-binary"
    ),
    ft!(
        0x0004_0500,
        "Script (#!)",
        Executable,
        ["sh", "py", "pl"],
        "text/x-script"
    ),
    ft!(0x0005_0100, "PNG image", Image, ["png"], "image/png"),
    ft!(
        0x0005_0200,
        "JPEG image",
        Image,
        ["jpg", "jpeg", "jpe"],
        "image/jpeg"
    ),
    ft!(0x0005_0300, "GIF image", Image, ["gif"], "image/gif"),
    ft!(0x0005_0400, "BMP image", Image, ["bmp", "dib"], "image/bmp"),
    ft!(
        0x0005_0500,
        "TIFF image",
        Image,
        ["tif", "tiff"],
        "image/tiff"
    ),
    ft!(0x0005_0600, "WebP image", Image, ["webp"], "image/webp"),
    ft!(
        0x0005_0700,
        "Photoshop image",
        Image,
        ["psd"],
        "image/vnd.adobe.photoshop"
    ),
    ft!(
        0x0005_0800,
        "HEIF image",
        Image,
        ["heic", "heif"],
        "image/heif"
    ),
    ft!(0x0006_0100, "MP3 audio", Audio, ["mp3"], "audio/mpeg"),
    ft!(0x0006_0200, "WAV audio", Audio, ["wav"], "audio/wav"),
    ft!(0x0006_0300, "FLAC audio", Audio, ["flac"], "audio/flac"),
    ft!(
        0x0006_0400,
        "Ogg media",
        Audio,
        ["ogg", "oga", "opus"],
        "audio/ogg"
    ),
    ft!(
        0x0006_0500,
        "MIDI audio",
        Audio,
        ["mid", "midi"],
        "audio/midi"
    ),
    ft!(0x0006_0600, "AAC audio", Audio, ["aac"], "audio/aac"),
    ft!(0x0006_0700, "MPEG-4 audio", Audio, ["m4a"], "audio/mp4"),
    ft!(
        0x0006_0800,
        "AIFF audio",
        Audio,
        ["aif", "aiff"],
        "audio/aiff"
    ),
    ft!(
        0x0007_0100,
        "MPEG-4 video",
        Video,
        ["mp4", "m4v"],
        "video/mp4"
    ),
    ft!(
        0x0007_0200,
        "QuickTime video",
        Video,
        ["mov", "qt"],
        "video/quicktime"
    ),
    ft!(0x0007_0300, "AVI video", Video, ["avi"], "video/x-msvideo"),
    ft!(
        0x0007_0400,
        "Matroska video",
        Video,
        ["mkv", "mka"],
        "video/x-matroska"
    ),
    ft!(0x0007_0500, "WebM video", Video, ["webm"], "video/webm"),
    ft!(0x0007_0600, "Flash video", Video, ["flv"], "video/x-flv"),
    ft!(
        0x0007_0700,
        "MPEG video",
        Video,
        ["mpg", "mpeg", "vob"],
        "video/mpeg"
    ),
    ft!(
        0x0007_0800,
        "MPEG transport stream",
        Video,
        ["ts", "m2ts"],
        "video/mp2t"
    ),
    ft!(
        0x0007_0900,
        "Windows Media (ASF)",
        Video,
        ["wmv", "wma", "asf"],
        "video/x-ms-asf"
    ),
    ft!(
        0x0007_0A00,
        "3GPP video",
        Video,
        ["3gp", "3g2"],
        "video/3gpp"
    ),
    ft!(
        0x0008_0100,
        "Outlook data file (PST)",
        Email,
        ["pst", "ost"],
        "application/vnd.ms-outlook-pst"
    ),
    ft!(
        0x0008_0200,
        "Email message (EML)",
        Email,
        ["eml"],
        "message/rfc822"
    ),
    ft!(
        0x0008_0300,
        "Outlook message (MSG)",
        Email,
        ["msg"],
        "application/vnd.ms-outlook"
    ),
    ft!(
        0x0008_0400,
        "Mailbox (mbox)",
        Email,
        ["mbox"],
        "application/mbox"
    ),
    ft!(
        0x0009_0100,
        "SQLite database",
        Other,
        ["sqlite", "db"],
        "application/vnd.sqlite3"
    ),
    ft!(
        0x000A_0100,
        "Microsoft Word (DOCX)",
        Document,
        ["docx", "docm", "dotx"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    ft!(
        0x000A_0200,
        "Microsoft Excel (XLSX)",
        Spreadsheet,
        ["xlsx", "xlsm", "xltx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    ft!(
        0x000A_0300,
        "Microsoft PowerPoint (PPTX)",
        Presentation,
        ["pptx", "pptm", "potx"],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
    ft!(
        0x000A_0400,
        "Microsoft Word 97-2003 (DOC)",
        Document,
        ["doc", "dot"],
        "application/msword"
    ),
    ft!(
        0x000A_0500,
        "Microsoft Excel 97-2003 (XLS)",
        Spreadsheet,
        ["xls", "xlt"],
        "application/vnd.ms-excel"
    ),
    ft!(
        0x000A_0600,
        "Microsoft PowerPoint 97-2003 (PPT)",
        Presentation,
        ["ppt", "pps"],
        "application/vnd.ms-powerpoint"
    ),
    ft!(
        0x000A_0700,
        "Microsoft Visio (VSDX)",
        Document,
        ["vsdx"],
        "application/vnd.ms-visio.drawing"
    ),
    ft!(
        0x000A_0800,
        "OLE compound document",
        Other,
        ["msi", "ole"],
        "application/x-ole-storage"
    ),
    ft!(
        0x000B_0100,
        "OpenDocument text (ODT)",
        Document,
        ["odt"],
        "application/vnd.oasis.opendocument.text"
    ),
    ft!(
        0x000B_0200,
        "OpenDocument spreadsheet (ODS)",
        Spreadsheet,
        ["ods"],
        "application/vnd.oasis.opendocument.spreadsheet"
    ),
    ft!(
        0x000B_0300,
        "OpenDocument presentation (ODP)",
        Presentation,
        ["odp"],
        "application/vnd.oasis.opendocument.presentation"
    ),
    ft!(
        0x000B_0400,
        "OpenDocument drawing (ODG)",
        Document,
        ["odg"],
        "application/vnd.oasis.opendocument.graphics"
    ),
    ft!(
        0x000C_0100,
        "Rich Text Format (RTF)",
        Document,
        ["rtf"],
        "application/rtf"
    ),
    ft!(
        0x000C_0200,
        "EPUB e-book",
        Document,
        ["epub"],
        "application/epub+zip"
    ),
    ft!(
        0x000C_0300,
        "PostScript",
        Document,
        ["ps", "eps"],
        "application/postscript"
    ),
];

/// The families, ordered by id. `0x000F0000` holds the custom types.
pub static FAMILIES: &[Family] = &[
    Family {
        id: 0x0001_0000,
        name: "Text",
    },
    Family {
        id: 0x0002_0000,
        name: "Adobe Acrobat",
    },
    Family {
        id: 0x0003_0000,
        name: "Archives",
    },
    Family {
        id: 0x0004_0000,
        name: "Executables",
    },
    Family {
        id: 0x0005_0000,
        name: "Images",
    },
    Family {
        id: 0x0006_0000,
        name: "Audio",
    },
    Family {
        id: 0x0007_0000,
        name: "Video",
    },
    Family {
        id: 0x0008_0000,
        name: "Email",
    },
    Family {
        id: 0x0009_0000,
        name: "Databases",
    },
    Family {
        id: 0x000A_0000,
        name: "Microsoft Office",
    },
    Family {
        id: 0x000B_0000,
        name: "OpenDocument",
    },
    Family {
        id: 0x000C_0000,
        name: "Other documents",
    },
    Family {
        id: 0x000F_0000,
        name: "Custom types",
    },
];

/// The "unknown / binary" type.
pub fn unknown() -> &'static FileType {
    BUILTIN.first().unwrap_or(&UNKNOWN)
}

static UNKNOWN: FileType = ft!(0, "Unknown", Other, [], "application/octet-stream");

/// A built-in type by id.
pub fn by_id(id: u32) -> Option<&'static FileType> {
    BUILTIN
        .binary_search_by_key(&id, |t| t.id)
        .ok()
        .and_then(|i| BUILTIN.get(i))
}

/// A built-in type by its text identifier (case-insensitive).
pub fn by_name(name: &str) -> Option<&'static FileType> {
    let name = name.trim();
    BUILTIN.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

/// The first built-in type that lists `ext` (with or without dot, any case).
pub fn by_extension(ext: &str) -> Option<&'static FileType> {
    let ext = ext.trim().trim_start_matches('.');
    BUILTIN
        .iter()
        .find(|t| t.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)))
}

/// A family by id (low 16 bits ignored).
pub fn family(id: u32) -> Option<&'static Family> {
    let id = id & 0xFFFF_0000;
    FAMILIES.iter().find(|f| f.id == id)
}

/// A family by its text identifier (case-insensitive).
pub fn family_by_name(name: &str) -> Option<&'static Family> {
    let name = name.trim();
    FAMILIES.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// Whether a filter id selects a type id: equal ids, or a family id (low 16
/// bits zero, not the unknown type) and a type of that family.
pub fn id_matches(filter: u32, type_id: u32) -> bool {
    filter == type_id
        || (filter != UNKNOWN_ID && filter & 0xFFFF == 0 && type_id & 0xFFFF_0000 == filter)
}

/// Reads a type reference as policies write it: hexadecimal (`000A0100`,
/// `0x000A0100`), or the text identifier of a type or a family, or an
/// extension (`docx`). Returns the id.
pub fn parse_type_ref(text: &str) -> Option<u32> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if !digits.is_empty() && digits.len() <= 8 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        // Bare words such as `add` are valid hex; ids are written with 8 digits
        // or a `0x` prefix, so shorter bare hex is read as a name first.
        if digits.len() == 8 || digits.len() != t.len() {
            return u32::from_str_radix(digits, 16).ok();
        }
    }
    if let Some(ft) = by_name(t) {
        return Some(ft.id);
    }
    if let Some(f) = family_by_name(t) {
        return Some(f.id);
    }
    if let Some(ft) = by_extension(t) {
        return Some(ft.id);
    }
    if !digits.is_empty() && digits.len() <= 8 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return u32::from_str_radix(digits, 16).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_with_unique_ids_and_names() {
        for pair in BUILTIN.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{} before {}",
                pair[0].name,
                pair[1].name
            );
        }
        for (i, a) in BUILTIN.iter().enumerate() {
            for b in &BUILTIN[i + 1..] {
                assert!(!a.name.eq_ignore_ascii_case(b.name));
            }
            assert!(
                a.id == 0 || family(a.id).is_some(),
                "{} has no family",
                a.name
            );
            assert!(a.id < CUSTOM_FIRST, "{} is in the custom range", a.name);
        }
    }

    #[test]
    fn seed_ids() {
        assert_eq!(by_id(0x0002_0000).unwrap().name, "Adobe Acrobat");
        assert_eq!(by_id(0x000A_0100).unwrap().kind, Kind::Document);
        assert_eq!(family(0x0003_0000).unwrap().name, "Archives");
        assert_eq!(family(0x0004_0000).unwrap().name, "Executables");
    }

    #[test]
    fn family_filters() {
        assert!(id_matches(0x0003_0000, 0x0003_0100));
        assert!(id_matches(0x0002_0000, 0x0002_0000));
        assert!(!id_matches(0x0003_0100, 0x0003_0200));
        assert!(!id_matches(0x0000_0000, 0x0000_0100));
        assert!(!id_matches(0x0003_0000, 0x0004_0100));
    }

    #[test]
    fn type_refs() {
        assert_eq!(parse_type_ref("000A0100"), Some(0x000A_0100));
        assert_eq!(parse_type_ref("0x000f0100"), Some(0x000F_0100));
        assert_eq!(parse_type_ref("adobe acrobat"), Some(0x0002_0000));
        assert_eq!(parse_type_ref("Archives"), Some(0x0003_0000));
        assert_eq!(parse_type_ref(".docx"), Some(0x000A_0100));
        assert_eq!(parse_type_ref("no such thing"), None);
    }
}
