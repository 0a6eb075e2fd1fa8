//! `ui/src/generated/api.ts` is what the Rust types produce. `LIKENESS_BLESS=1` (or
//! `npm run gen:api`) writes it.

use std::path::PathBuf;

#[test]
fn generated_typescript_is_up_to_date() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join(likeness_api::TYPESCRIPT_PATH);
    let want = likeness_api::typescript();
    if std::env::var_os("LIKENESS_BLESS").is_some_and(|v| v == "1") {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create ui/src/generated");
        }
        std::fs::write(&path, &want).expect("write ui/src/generated/api.ts");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale: the API types changed. Regenerate it with `npm run gen:api` \
         (LIKENESS_BLESS=1 cargo test -p likeness-api --test typescript) and commit it.",
        likeness_api::TYPESCRIPT_PATH
    );
}
