//! Seeds from the conformance vectors (`tests/vectors`), loaded once.

use iotdata::VariantMap;

/// The vectors' variant maps (`variants.json`).
pub const VARIANTS: &str = include_str!("../../tests/vectors/variants.json");
const VECTORS: [&str; 5] = [
    include_str!("../../tests/vectors/sensor.jsonl"),
    include_str!("../../tests/vectors/malformed.jsonl"),
    include_str!("../../tests/vectors/mesh.jsonl"),
    include_str!("../../tests/vectors/roundtrip.jsonl"),
    include_str!("../../tests/vectors/encode_errors.jsonl"),
];
const IMAGES: &str = include_str!("../../tests/vectors/image_codec.jsonl");

/// Everything the generators start from, and the maps the checks use.
pub struct Corpus {
    /// Every frame of the vectors (sensor, malformed, mesh, round trip).
    pub frames: Vec<Vec<u8>>,
    /// The mesh frames among them.
    pub mesh: Vec<Vec<u8>>,
    /// Canonical and input JSON documents of the vectors.
    pub json: Vec<String>,
    /// Image wire data: control byte, then compressed bytes.
    pub images: Vec<Vec<u8>>,
    /// Maps documents: the whole `variants.json` and each map alone.
    pub maps_json: Vec<String>,
    /// The default map and the vectors' `suite` and `custom` maps.
    pub maps: Vec<VariantMap>,
    /// Demo recordings: the first 1 and 5 minutes of the dashboard's
    /// (`static/demo-feed.bin`), each as a recording of its own.
    pub demo: Vec<Vec<u8>>,
}

/// The dashboard's demo recording.
const DEMO_FEED: &[u8] = include_bytes!("../../static/demo-feed.bin");

impl Corpus {
    /// Loads the vectors (panics only on a broken vector file).
    pub fn load() -> Corpus {
        let mut maps = vec![VariantMap::default_map()];
        for name in ["suite", "custom"] {
            maps.push(VariantMap::select(VARIANTS, Some(name)).expect("vector map"));
        }
        let (mut frames, mut mesh, mut json) = (Vec::new(), Vec::new(), Vec::new());
        for file in VECTORS {
            for line in file.lines().filter(|l| !l.trim().is_empty()) {
                let rec: serde_json::Value = serde_json::from_str(line).expect("vector line");
                if let Some(b) = rec["hex"]
                    .as_str()
                    .and_then(|h| iotdata::hex::decode(h).ok())
                {
                    if iotdata::mesh::is_mesh(&b) {
                        mesh.push(b.clone());
                    }
                    frames.push(b);
                }
                for key in ["json_text", "json_in"] {
                    if let Some(t) = rec[key].as_str() {
                        json.push(t.to_string());
                    }
                }
            }
        }
        let mut images = Vec::new();
        for line in IMAGES.lines().filter(|l| !l.trim().is_empty()) {
            let rec: serde_json::Value = serde_json::from_str(line).expect("image vector");
            let control = match rec["codec"].as_str() {
                Some("heatshrink") => 0x08,
                Some("rle") => 0x04,
                _ => 0x00,
            };
            for key in ["compressed_hex", "input_hex"] {
                if let Some(b) = rec[key].as_str().and_then(|h| iotdata::hex::decode(h).ok()) {
                    let mut v = vec![control];
                    v.extend(b.into_iter().take(iotdata::image::MAX_DATA_LEN));
                    images.push(v);
                }
            }
        }
        let mut maps_json = vec![VARIANTS.to_string()];
        let doc: serde_json::Value = serde_json::from_str(VARIANTS).expect("variants.json");
        if let Some(all) = doc["maps"].as_object() {
            for m in all.values() {
                maps_json.push(m.to_string());
            }
        }
        let whole = iotdata_web::demo::Capture::parse(DEMO_FEED).expect("demo-feed.bin");
        let demo = [60_000, 300_000]
            .map(|ms| {
                let mut c = whole.clone();
                c.frames.retain(|f| f.time_ms <= ms);
                c.duration_ms = 10 * 60_000;
                c.preroll_ms = ms;
                c.to_bytes()
            })
            .to_vec();
        Corpus {
            frames,
            mesh,
            json,
            images,
            maps_json,
            maps,
            demo,
        }
    }
}
