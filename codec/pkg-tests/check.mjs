// Conformance checks of the JS package over vector records. Pure ES module
// with no Node imports: node.test.mjs runs it in Node, browser.test.mjs
// serves it to headless Chromium and runs it there, on the same package.
//
// A check gets a record of tests/vectors/*.jsonl and `codecs`, one `Codec`
// per variant map (`default`, `suite`, `custom`); it returns a list of
// failure texts (empty: the record passed) and what it compared.

/** Lowercase hex of bytes. */
export function toHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Bytes of hex text. */
export function fromHex(hex) {
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
}

/** Bytes of base64 text (forgiving: padding optional, trailing bits ignored). */
function fromBase64(s) {
    try {
        return toHex(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
    } catch {
        return null;
    }
}

/** The reference decoder's status name as our error kind (as codec/tests/support/vectors.rs). */
export function expectedKind(status) {
    const name = status?.name;
    if (typeof name !== 'string') return null;
    switch (name.replace(/^IOTDATA_ERR_/, '')) {
        case 'DECODE_SHORT':
            return 'short';
        case 'DECODE_TRUNCATED':
            return 'truncated';
        case 'DECODE_VARIANT':
        case 'HDR_VARIANT_RESERVED':
            return 'variant_reserved';
        case 'HDR_VARIANT_UNKNOWN':
            return 'variant_unknown';
        default:
            return 'other';
    }
}

/**
 * Compares JSON documents: same keys in the same order, numbers within a
 * relative 1e-6, base64 (`pixels`, a raw TLV's `data`) compared as bytes.
 * Returns a failure text or null.
 */
export function jsonMismatch(expected, actual, path = '$') {
    if (typeof expected === 'number' && typeof actual === 'number') {
        const tol = 1e-6 * Math.max(Math.abs(expected), Math.abs(actual), 1e-300);
        return Math.abs(expected - actual) <= tol ? null : `${path}: ${expected} != ${actual}`;
    }
    if (Array.isArray(expected)) {
        if (!Array.isArray(actual) || actual.length !== expected.length) {
            return `${path}: ${JSON.stringify(expected)} != ${JSON.stringify(actual)}`;
        }
        for (let i = 0; i < expected.length; i++) {
            const m = jsonMismatch(expected[i], actual[i], `${path}[${i}]`);
            if (m) return m;
        }
        return null;
    }
    if (expected && typeof expected === 'object') {
        if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: not an object`;
        const ek = Object.keys(expected).join(',');
        const ak = Object.keys(actual).join(',');
        if (ek !== ak) return `${path}: keys ${ek} != ${ak}`;
        const rawTlv = expected.format === 'raw';
        for (const k of Object.keys(expected)) {
            const sub = `${path}.${k}`;
            if ((rawTlv && k === 'data') || k === 'pixels') {
                const e = fromBase64(expected[k]);
                if (e === null || e !== fromBase64(actual[k])) return `${sub}: base64 ${expected[k]} != ${actual[k]}`;
                continue;
            }
            const m = jsonMismatch(expected[k], actual[k], sub);
            if (m) return m;
        }
        return null;
    }
    return expected === actual ? null : `${path}: ${JSON.stringify(expected)} != ${JSON.stringify(actual)}`;
}

/** Encodes JSON text; the hex, or `{error}` with the thrown object. */
function encodeHex(codec, text) {
    try {
        return toHex(codec.encodeJson(text));
    } catch (error) {
        return { error };
    }
}

/**
 * Checks one record. `divergent` maps vector names to `'decode'` or
 * `'json'` (where the codec deliberately differs from the reference, see
 * the DIVERGENCES tables of the Rust conformance tests: the reference's
 * JSON is not compared); `exact` (for the UTF-8 / text vectors) also
 * requires decode -> JSON -> encode to give the bytes back for every
 * record that decodes, divergent or not.
 */
export function checkRecord(rec, codecs, { divergent = {}, exact = false } = {}) {
    const fails = [];
    const stats = { decoded: 0, json: 0, reencoded: 0, encoded: 0 };
    const name = rec.name ?? '?';
    const codec = codecs[rec.variant_map] ?? codecs.default;
    const diverges = divergent[name];
    const fail = (what) => fails.push(`${name}: ${what}`);

    // JSON-first records: json_in -> bytes (not for a divergence: the
    // reference's JSON is not ours; an exact record still round-trips below).
    if (typeof rec.json_in === 'string' && !(diverges && exact)) {
        if (diverges) return { fails, stats };
        const got = encodeHex(codec, rec.json_in);
        if (rec.encode_error) {
            if (typeof got === 'string') fail(`encoded ${got}, the reference rejects it (${rec.encode_error.name})`);
        } else if (typeof got !== 'string') {
            fail(`encodeJson threw ${JSON.stringify(got.error)}`);
        } else if (typeof rec.hex === 'string' && got !== rec.hex) {
            fail(`encodeJson gave ${got}, expected ${rec.hex}`);
        }
        stats.encoded++;
        if (!exact || typeof got !== 'string') return { fails, stats };
    }
    if (typeof rec.hex !== 'string') return { fails, stats };

    const bytes = fromHex(rec.hex);
    const text = codec.toJson(bytes, false);
    let doc;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        fail(`toJson is not JSON (${e.message}): ${text}`);
        return { fails, stats };
    }
    if (diverges === 'decode' && !exact) return { fails, stats };
    stats.decoded++;

    // Mesh control packets (mesh.jsonl): the header fields.
    if (rec.variant_map === 'mesh' && rec.fields) {
        for (const k of ['sender_station', 'sender_seq', 'ctrl_type', 'ctrl_name']) {
            if (doc[k] !== rec.fields[k]) fail(`mesh ${k} ${JSON.stringify(doc[k])} != ${JSON.stringify(rec.fields[k])}`);
        }
        return { fails, stats };
    }

    const kind = expectedKind(rec.error);
    if (kind) {
        const mesh = kind === 'variant_reserved' && doc.variant === 15;
        if (!mesh && !doc.error) fail(`decoded, the reference fails with ${kind}`);
        else if (!mesh && kind !== 'other' && doc.error.kind !== kind) fail(`error ${doc.error.kind}, expected ${kind}`);
        if (!mesh) {
            let thrown = null;
            try {
                codec.decode(bytes, false);
            } catch (e) {
                thrown = e;
            }
            if (!thrown || thrown.kind !== doc.error?.kind) fail(`decode threw ${JSON.stringify(thrown)}, toJson ${text}`);
        }
        return { fails, stats };
    }
    if (doc.error) {
        fail(`decode failed: ${text}`);
        return { fails, stats };
    }
    if (typeof rec.bits === 'number' && doc.packed_bits !== rec.bits) fail(`packed_bits ${doc.packed_bits} != ${rec.bits}`);
    if (rec.json && !diverges) {
        const m = jsonMismatch(rec.json, doc);
        if (m) fail(m);
        else stats.json++;
    }
    // decode / decodeHex give the same document as an object.
    const obj = codec.decode(bytes, false);
    if (JSON.stringify(obj) !== JSON.stringify(doc)) fail(`decode ${JSON.stringify(obj)} != toJson ${text}`);
    if (JSON.stringify(codec.decodeHex(rec.hex, false)) !== JSON.stringify(doc)) fail('decodeHex differs from toJson');
    // The dump covers the same bits.
    const dump = codec.dump(bytes, false);
    if (dump.error !== null || dump.total_bits !== doc.packed_bits || !dump.entries.length) {
        fail(`dump: error ${JSON.stringify(dump.error)}, total_bits ${dump.total_bits} (packed_bits ${doc.packed_bits})`);
    }
    // JSON -> binary: the same bytes for packets an encoder built.
    const tags = rec.tags ?? [];
    const fromEncoder = rec.encoder_inputs != null && !tags.some((t) => ['trailing', 'padding', 'quirk'].includes(t));
    if (exact || fromEncoder) {
        const again = encodeHex(codec, text);
        if (typeof again !== 'string') fail(`encodeJson(toJson) threw ${JSON.stringify(again.error)}`);
        else if (again !== rec.hex) fail(`encodeJson(toJson) gave ${again}, expected ${rec.hex}`);
        else {
            stats.reencoded++;
        }
    }
    return { fails, stats };
}

/** Makes one codec per map of a `variants.json` text. */
export function codecsFor(Codec, variantsJson) {
    const codecs = {};
    for (const name of Object.keys(JSON.parse(variantsJson).maps)) {
        codecs[name] = new Codec(variantsJson, name);
    }
    return codecs;
}

/** Runs `checkRecord` over `records`; returns `{fails, stats, records}`. */
export function checkAll(records, codecs, opts) {
    const total = { decoded: 0, json: 0, reencoded: 0, encoded: 0 };
    const fails = [];
    for (const rec of records) {
        const r = checkRecord(rec, codecs, opts);
        fails.push(...r.fails);
        for (const k of Object.keys(total)) total[k] += r.stats[k];
    }
    return { fails, stats: total, records: records.length };
}
