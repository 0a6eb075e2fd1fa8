//! EXIF facts Likeness uses, read with `kamadak-exif`. A missing or broken EXIF block is not
//! an error: the photo simply has no such facts (logged at debug level).

use std::io::Cursor;
use std::path::Path;

/// EXIF orientation value 1–8 (1 = upright, stored as shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orientation(pub u8);

impl Default for Orientation {
    fn default() -> Self {
        Orientation(1)
    }
}

impl Orientation {
    /// Whether width and height swap between the stored and the upright frame.
    pub fn swaps_axes(self) -> bool {
        matches!(self.0, 5..=8)
    }
}

/// What Likeness keeps from a photo's EXIF block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifInfo {
    pub orientation: Orientation,
    /// `DateTimeOriginal` (or, when absent, `DateTime`) as written, normally
    /// `YYYY:MM:DD HH:MM:SS`; see [`ExifInfo::taken_at_iso`].
    pub date_taken: Option<String>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    /// `(latitude, longitude)` in decimal degrees, negative south of the equator and west of
    /// Greenwich (signed by `GPSLatitudeRef` / `GPSLongitudeRef`). `None` when absent,
    /// incomplete or out of range.
    pub gps: Option<(f64, f64)>,
}

impl ExifInfo {
    /// [`ExifInfo::date_taken`] as `YYYY-MM-DDTHH:MM:SS` (local camera time, no zone, as EXIF
    /// stores it) when it parses as a real date and time; `None` for blank or zeroed fields
    /// (`0000:00:00 00:00:00`, `    :  :     :  :  `) and anything else malformed.
    pub fn taken_at_iso(&self) -> Option<String> {
        self.date_taken.as_deref().and_then(exif_datetime_to_iso)
    }

    /// Fills every fact `self` lacks from `other` (orientation only when `self`'s is the
    /// default 1 and `other` has one).
    pub(crate) fn or(mut self, other: ExifInfo) -> ExifInfo {
        if self.orientation.0 == 1 {
            self.orientation = other.orientation;
        }
        self.date_taken = self.date_taken.or(other.date_taken);
        self.camera_make = self.camera_make.or(other.camera_make);
        self.camera_model = self.camera_model.or(other.camera_model);
        self.gps = self.gps.or(other.gps);
        self
    }
}

/// `YYYY:MM:DD HH:MM:SS` (also `-` as date separator or `T` between date and time, and
/// trailing sub-seconds or zone text, which are dropped) → `YYYY-MM-DDTHH:MM:SS`.
fn exif_datetime_to_iso(s: &str) -> Option<String> {
    let b = s.trim().as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &b[range];
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let date_sep = |c: u8| c == b':' || c == b'-';
    if !(date_sep(b[4]) && date_sep(b[7]) && (b[10] == b' ' || b[10] == b'T'))
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if year == 0 || day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"
    ))
}

/// EXIF of a container `image::guess_format`/`kamadak-exif` know (JPEG, TIFF, PNG, WebP, HEIF).
pub(crate) fn read(bytes: &[u8], path: &Path) -> ExifInfo {
    match exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(bytes))
    {
        Ok(exif) => from_exif(&exif),
        Err(e) => from_error(e, path),
    }
}

/// EXIF of a bare TIFF structure (`II*\0…` / `MM\0*…`), e.g. a RAW file or a CR3 `CMTn` box.
pub(crate) fn read_tiff(tiff: Vec<u8>, path: &Path) -> ExifInfo {
    match exif::Reader::new().continue_on_error(true).read_raw(tiff) {
        Ok(exif) => from_exif(&exif),
        Err(e) => from_error(e, path),
    }
}

/// GPS position from a TIFF structure whose IFD0 *is* a GPS IFD (a CR3 `CMT4` box).
pub(crate) fn read_gps_tiff(tiff: Vec<u8>, path: &Path) -> Option<(f64, f64)> {
    let exif = match exif::Reader::new().continue_on_error(true).read_raw(tiff) {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => partial.into_inner().0,
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "unreadable GPS block ignored");
            return None;
        }
    };
    gps(&|n| field(&exif, n))
}

fn from_error(e: exif::Error, path: &Path) -> ExifInfo {
    match e {
        exif::Error::NotFound(_) => ExifInfo::default(),
        exif::Error::PartialResult(partial) => {
            let (exif, errors) = partial.into_inner();
            tracing::debug!(path = %path.display(), errors = errors.len(), "EXIF partly unreadable");
            from_exif(&exif)
        }
        e => {
            tracing::debug!(path = %path.display(), error = %e, "unreadable EXIF ignored");
            ExifInfo::default()
        }
    }
}

/// Looks a tag up by number, whatever context the parser gave it: a CR3 `CMT2` box is a TIFF
/// whose IFD0 holds the Exif-IFD tags, so `DateTimeOriginal` arrives there as a TIFF-context
/// tag.
fn field(exif: &exif::Exif, number: u16) -> Option<&exif::Field> {
    exif.fields()
        .find(|f| f.ifd_num == exif::In::PRIMARY && f.tag.number() == number)
}

fn text(exif: &exif::Exif, number: u16) -> Option<String> {
    field(exif, number).and_then(|f| match &f.value {
        exif::Value::Ascii(parts) => parts
            .first()
            .map(|p| {
                String::from_utf8_lossy(p)
                    .trim_end_matches('\0')
                    .trim()
                    .to_string()
            })
            .filter(|s| !s.is_empty()),
        _ => None,
    })
}

/// Looks a GPS tag up by number.
type GpsLookup<'a> = dyn Fn(u16) -> Option<&'a exif::Field> + 'a;

/// Degrees from a GPS `[degrees, minutes, seconds]` rational triple.
fn degrees(find: &GpsLookup<'_>, number: u16) -> Option<f64> {
    let f = find(number)?;
    let exif::Value::Rational(parts) = &f.value else {
        return None;
    };
    let mut total = 0.0;
    for (i, r) in parts.iter().take(3).enumerate() {
        if r.denom == 0 {
            return None;
        }
        total += r.to_f64() / [1.0, 60.0, 3600.0][i];
    }
    (!parts.is_empty() && total.is_finite()).then_some(total)
}

fn reference(find: &GpsLookup<'_>, number: u16) -> Option<u8> {
    match &find(number)?.value {
        exif::Value::Ascii(parts) => parts
            .first()
            .and_then(|p| p.first())
            .map(u8::to_ascii_uppercase),
        _ => None,
    }
}

fn gps(find: &GpsLookup<'_>) -> Option<(f64, f64)> {
    let mut lat = degrees(find, exif::Tag::GPSLatitude.number())?;
    let mut lon = degrees(find, exif::Tag::GPSLongitude.number())?;
    // A missing reference is read as N / E (what most readers do).
    if reference(find, exif::Tag::GPSLatitudeRef.number()) == Some(b'S') {
        lat = -lat;
    }
    if reference(find, exif::Tag::GPSLongitudeRef.number()) == Some(b'W') {
        lon = -lon;
    }
    (lat.abs() <= 90.0 && lon.abs() <= 180.0).then_some((lat, lon))
}

pub(crate) fn from_exif(exif: &exif::Exif) -> ExifInfo {
    let orientation = field(exif, exif::Tag::Orientation.number())
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u8::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
        .map(Orientation)
        .unwrap_or_default();
    ExifInfo {
        orientation,
        date_taken: text(exif, exif::Tag::DateTimeOriginal.number())
            .or_else(|| text(exif, exif::Tag::DateTime.number())),
        camera_make: text(exif, exif::Tag::Make.number()),
        camera_model: text(exif, exif::Tag::Model.number()),
        gps: gps(&|n| {
            exif.fields().find(|f| {
                f.ifd_num == exif::In::PRIMARY
                    && f.tag.context() == exif::Context::Gps
                    && f.tag.number() == n
            })
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Option<String> {
        exif_datetime_to_iso(s)
    }

    #[test]
    fn exif_dates_become_iso() {
        assert_eq!(
            iso("2019:07:14 18:03:59").as_deref(),
            Some("2019-07-14T18:03:59")
        );
        assert_eq!(
            iso("2020-02-29 00:00:00").as_deref(),
            Some("2020-02-29T00:00:00")
        );
        assert_eq!(
            iso("2021:12:31T23:59:60.25+02:00").as_deref(),
            Some("2021-12-31T23:59:60")
        );
    }

    #[test]
    fn blank_zero_and_impossible_dates_are_none() {
        for bad in [
            "0000:00:00 00:00:00",
            "    :  :     :  :  ",
            "2019:02:29 10:00:00",
            "2019:13:01 10:00:00",
            "2019:04:31 10:00:00",
            "2019:01:01 24:00:00",
            "2019:01:01",
            "2019/01/01 10:00:00",
            "",
        ] {
            assert_eq!(iso(bad), None, "{bad:?}");
        }
    }
}
