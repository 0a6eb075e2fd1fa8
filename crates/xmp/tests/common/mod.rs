//! Shared helpers of the likeness-xmp tests: the real exiftool, a tiny deterministic RNG,
//! sample packets in the forms other tools write.
#![allow(dead_code, clippy::unwrap_used)]

use likeness_xmp::{NormArea, OwnRegion};
use std::path::Path;
use std::process::Command;

/// True when `exiftool` (Debian: libimage-exiftool-perl) runs. Missing: a failure, or with
/// `LIKENESS_ALLOW_SKIP=1` a printed skip (the caller returns) — `likeness_testdata::skip_or_fail`.
pub fn have_exiftool() -> bool {
    likeness_testdata::have_program(
        "exiftool",
        "-ver",
        "apt-get install libimage-exiftool-perl; scripts/setup.sh installs it",
    )
}

/// Runs exiftool with `args`; panics with its stderr when it fails.
pub fn exiftool(args: &[&str]) -> String {
    let out = Command::new("exiftool").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "exiftool {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `exiftool -j -struct -G1 -XMP:all FILE` → the object of that file (SourceFile removed).
pub fn exiftool_xmp_json(path: &Path) -> serde_json::Map<String, serde_json::Value> {
    let s = exiftool(&["-j", "-struct", "-G1", "-XMP:all", path.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    let mut obj = v[0].as_object().unwrap().clone();
    obj.remove("SourceFile");
    obj
}

/// xorshift64*: deterministic, no dependency.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn own(face: &str, name: &str, x: f64, y: f64, w: f64, h: f64) -> OwnRegion {
    OwnRegion {
        face: face.to_string(),
        name: name.to_string(),
        area: NormArea { x, y, w, h },
    }
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-4
}

/// As exiftool 12 writes a sidecar: element form, parseType="Resource", one Description per
/// namespace.
pub const EXIFTOOL_STYLE: &str = r#"<?xpacket begin='﻿' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x='adobe:ns:meta/' x:xmptk='Image::ExifTool 12.57'>
<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>

 <rdf:Description rdf:about=''
  xmlns:Iptc4xmpExt='http://iptc.org/std/Iptc4xmpExt/2008-02-29/'>
  <Iptc4xmpExt:PersonInImage>
   <rdf:Bag>
    <rdf:li>Dave</rdf:li>
   </rdf:Bag>
  </Iptc4xmpExt:PersonInImage>
 </rdf:Description>

 <rdf:Description rdf:about=''
  xmlns:dc='http://purl.org/dc/elements/1.1/'>
  <dc:title>
   <rdf:Alt>
    <rdf:li xml:lang='x-default'>Beach day</rdf:li>
   </rdf:Alt>
  </dc:title>
 </rdf:Description>

 <rdf:Description rdf:about=''
  xmlns:mwg-rs='http://www.metadataworkinggroup.com/schemas/regions/'
  xmlns:stArea='http://ns.adobe.com/xmp/sType/Area#'
  xmlns:stDim='http://ns.adobe.com/xap/1.0/sType/Dimensions#'>
  <mwg-rs:Regions rdf:parseType='Resource'>
   <mwg-rs:AppliedToDimensions rdf:parseType='Resource'>
    <stDim:h>3000</stDim:h>
    <stDim:unit>pixel</stDim:unit>
    <stDim:w>4000</stDim:w>
   </mwg-rs:AppliedToDimensions>
   <mwg-rs:RegionList>
    <rdf:Bag>
     <rdf:li rdf:parseType='Resource'>
      <mwg-rs:Area rdf:parseType='Resource'>
       <stArea:h>0.25</stArea:h>
       <stArea:unit>normalized</stArea:unit>
       <stArea:w>0.2</stArea:w>
       <stArea:x>0.5</stArea:x>
       <stArea:y>0.5</stArea:y>
      </mwg-rs:Area>
      <mwg-rs:Name>Dave</mwg-rs:Name>
      <mwg-rs:Type>Face</mwg-rs:Type>
     </rdf:li>
    </rdf:Bag>
   </mwg-rs:RegionList>
  </mwg-rs:Regions>
 </rdf:Description>

 <rdf:Description rdf:about=''
  xmlns:xmp='http://ns.adobe.com/xap/1.0/'>
  <xmp:Rating>4</xmp:Rating>
 </rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end='w'?>"#;

/// Picasa / digiKam style: `rdf:li` holding an `rdf:Description` with attribute fields.
pub const PICASA_STYLE: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 5.1.2">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about=""
        xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
        xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
        xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
        xmlns:digiKam="http://www.digikam.org/ns/1.0/"
        xmlns:MP="http://ns.microsoft.com/photo/1.2/"
        xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
        xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#">
      <mwg-rs:Regions rdf:parseType="Resource">
        <mwg-rs:AppliedToDimensions stDim:w="2048" stDim:h="1536" stDim:unit="pixel"/>
        <mwg-rs:RegionList>
          <rdf:Bag>
            <rdf:li>
              <rdf:Description mwg-rs:Name="Erin" mwg-rs:Type="Face">
                <mwg-rs:Area stArea:x="0.3" stArea:y="0.4" stArea:w="0.1" stArea:h="0.15" stArea:unit="normalized"/>
              </rdf:Description>
            </rdf:li>
            <rdf:li mwg-rs:Name="Rex" mwg-rs:Type="Pet">
              <mwg-rs:Area stArea:x="0.7" stArea:y="0.6" stArea:w="0.2" stArea:h="0.2" stArea:unit="normalized"/>
            </rdf:li>
          </rdf:Bag>
        </mwg-rs:RegionList>
      </mwg-rs:Regions>
      <digiKam:TagsList>
        <rdf:Seq>
          <rdf:li>People/Family/Erin</rdf:li>
          <rdf:li>Places/Home</rdf:li>
          <rdf:li>People</rdf:li>
        </rdf:Seq>
      </digiKam:TagsList>
      <MP:RegionInfo rdf:parseType="Resource">
        <MPRI:Regions>
          <rdf:Bag>
            <rdf:li MPReg:PersonDisplayName="Erin" MPReg:Rectangle="0.25, 0.325, 0.1, 0.15"/>
          </rdf:Bag>
        </MPRI:Regions>
      </MP:RegionInfo>
    </rdf:Description>
  </rdf:RDF>
</x:xmpmeta>
"#;

/// Lightroom-like: nested `rdf:Description` under the Regions property, element fields, other
/// prefixes, CRLF line ends and a comment.
pub const NESTED_STYLE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- written by hand -->\r\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\r\n <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\r\n  <rdf:Description rdf:about=\"\" xmlns:R=\"http://www.metadataworkinggroup.com/schemas/regions/\" xmlns:A=\"http://ns.adobe.com/xmp/sType/Area#\" xmlns:D=\"http://ns.adobe.com/xap/1.0/sType/Dimensions#\" xmlns:I=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmp:Rating=\"5\">\r\n   <R:Regions>\r\n    <rdf:Description>\r\n     <R:AppliedToDimensions><rdf:Description><D:w>640</D:w><D:h>480</D:h><D:unit>pixel</D:unit></rdf:Description></R:AppliedToDimensions>\r\n     <R:RegionList>\r\n      <rdf:Bag>\r\n       <rdf:li><rdf:Description><R:Name>Fran&#231;ois &amp; Co</R:Name><R:Area><rdf:Description><A:x>320</A:x><A:y>240</A:y><A:w>64</A:w><A:h>48</A:h><A:unit>pixel</A:unit></rdf:Description></R:Area></rdf:Description></rdf:li>\r\n      </rdf:Bag>\r\n     </R:RegionList>\r\n    </rdf:Description>\r\n   </R:Regions>\r\n   <I:PersonInImage><rdf:Bag><rdf:li>Fran\u{e7}ois &amp; Co</rdf:li></rdf:Bag></I:PersonInImage>\r\n  </rdf:Description>\r\n </rdf:RDF>\r\n</x:xmpmeta>\r\n";

/// Photoshop's compact one-line packet with an empty-element Description.
pub const COMPACT_EMPTY: &str = "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?> <x:xmpmeta xmlns:x=\"adobe:ns:meta/\"> <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"> <rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmp:Rating=\"3\" xmp:Label=\"Red\"/> </rdf:RDF> </x:xmpmeta>                                   <?xpacket end=\"w\"?>";

/// No Description at all, a UTF-8 BOM, and `likeness`/`mwg-rs` prefixes bound to other URIs.
pub const HOSTILE_PREFIXES: &str = "\u{feff}<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:likeness=\"http://example.com/not-ours/\" xmlns:mwg-rs=\"http://example.com/also-not/\"></rdf:RDF>";

/// (name, packet, the stored-frame size its AppliedToDimensions says).
pub fn samples() -> Vec<(&'static str, &'static str, (u32, u32))> {
    vec![
        ("exiftool", EXIFTOOL_STYLE, (4000, 3000)),
        ("picasa", PICASA_STYLE, (2048, 1536)),
        ("nested", NESTED_STYLE, (640, 480)),
        ("compact", COMPACT_EMPTY, (4000, 3000)),
        ("hostile", HOSTILE_PREFIXES, (4000, 3000)),
    ]
}
