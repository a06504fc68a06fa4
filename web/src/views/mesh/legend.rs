//! The mesh page's legend: shapes, line kinds, the RSSI scale, rings and
//! badges.

use leptos::prelude::*;

use super::{rssi_hue, RSSI_MAX, RSSI_MIN};

/// The legend: shapes, line kinds, the RSSI scale, rings and badges.
#[component]
pub fn Legend() -> impl IntoView {
    let stops = (0..=6)
        .map(|i| {
            let dbm = RSSI_MIN + i * (RSSI_MAX - RSSI_MIN) / 6;
            format!("hsl({} var(--rssi-s) var(--rssi-l))", rssi_hue(dbm))
        })
        .collect::<Vec<_>>()
        .join(",");
    view! {
        <div class="mesh-legend small muted" data-testid="mesh-legend">
            <span class="lg"><svg width="16" height="16"><rect class="lg-gw" x="2" y="2" width="12" height="12" rx="2"></rect></svg>"gateway"</span>
            <span class="lg"><svg width="16" height="16"><circle class="lg-relay" cx="8" cy="8" r="6"></circle></svg>"relay (cost)"</span>
            <span class="lg"><svg width="16" height="16"><circle class="lg-sensor" cx="8" cy="8" r="4"></circle></svg>"sensor"</span>
            <span class="lg"><svg width="28" height="10"><line class="mesh-edge parent" x1="1" y1="5" x2="27" y2="5"></line></svg>"parent"</span>
            <span class="lg"><svg width="28" height="10"><line class="mesh-edge neighbour" style="--rssi-h:60" x1="1" y1="5" x2="27" y2="5"></line></svg>"neighbour"</span>
            <span class="lg"><svg width="28" height="10"><line class="mesh-edge via" x1="1" y1="5" x2="27" y2="5"></line></svg>"delivered via"</span>
            <span class="lg rssi-scale">
                {RSSI_MIN}
                <span class="rssi-bar" style=format!("background:linear-gradient(to right,{stops})")></span>
                {format!("{RSSI_MAX} dBm")}
            </span>
            <span class="lg"><svg width="18" height="18"><circle class="lg-orphan" cx="9" cy="9" r="7"></circle></svg>"orphaned"</span>
            <span class="lg"><svg width="18" height="18"><circle class="lg-follows" cx="9" cy="9" r="7"></circle></svg>"under an orphan"</span>
            <span class="lg"><span class="mesh-badge-html">"reason"</span>"route error"</span>
            <span class="lg" title="Nodes and links fade when not heard or confirmed for 3 to 15 minutes">"faded: silent"</span>
        </div>
    }
}
