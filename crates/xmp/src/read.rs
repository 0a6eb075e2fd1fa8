//! Reading face tags out of a packet.
use crate::{FaceTags, XmpError};

/// Reads face regions and person names from one XMP packet (sidecar file or embedded packet).
pub fn read_xmp(packet: &[u8]) -> Result<FaceTags, XmpError> {
    let _ = packet;
    Err(XmpError::malformed("not implemented yet"))
}
