//! The mesh graph as a table: every node of the topology with its role,
//! parent, links and last heard time, in id order. A keyboard and screen
//! reader alternative to the drawing, exact at any size: only the rows in
//! view exist in the DOM ([`crate::views::virtual_list`]). A node's link
//! selects it (its side panel opens).
//!
//! Test hooks: `data-testid="mesh-table"` with `data-count` (nodes);
//! `data-testid="mesh-table-row"` with `data-node="<station id>"`.

use iotdata::receiver::Node;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{hex_id, role_name};
use crate::ctx::use_ctx;
use crate::views::clock_time;
use crate::views::virtual_list::{SpacerRow, Viewport};

/// Rows the node table renders at least (its container is as high as the
/// stations table's).
pub const TABLE_ROWS: usize = crate::views::stations::STATION_ROWS;

/// What one row shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeRow {
    /// Station id.
    pub id: u16,
    /// `Gateway`, `Relay` or `Sensor`, with ` (orphan)` when orphaned.
    pub role: String,
    /// The node it hangs under (parent, or the relay a sensor is attached to).
    pub parent: Option<u16>,
    /// Neighbour links reported.
    pub links: usize,
    /// Last heard, ms since the epoch.
    pub heard_ms: Option<i64>,
}

/// The row of a node.
pub fn row_of(n: &Node) -> NodeRow {
    let mut role = role_name(n.role).to_string();
    if n.orphan {
        role.push_str(" (orphan)");
    }
    NodeRow {
        id: n.id,
        role,
        parent: n.parent.or(n.attached_to),
        links: n.neighbours.len(),
        heard_ms: n.last_heard_ms,
    }
}

/// The node table; a row's link sets `selected`.
#[component]
pub fn NodeTable(selected: RwSignal<Option<u16>>) -> impl IntoView {
    let live = use_ctx().live;
    let vp = Viewport::with_min_rows(TABLE_ROWS);
    let ids = Memo::new(move |_| {
        live.topology_rev.track();
        live.with(|s| {
            s.receiver()
                .topology()
                .nodes()
                .map(|n| n.id)
                .collect::<Vec<_>>()
        })
    });
    let win = Memo::new(move |_| ids.with(|v| vp.shown(v)));
    let rows = Memo::new(move |_| {
        live.mesh_rev.track();
        win.with(|w| {
            live.with(|s| {
                let t = s.receiver().topology();
                w.ids
                    .iter()
                    .filter_map(|id| t.node(*id).map(row_of))
                    .collect::<Vec<_>>()
            })
        })
    });
    // A row's link selects its node (one handler for the table).
    let open = move |e: leptos::ev::MouseEvent| {
        let row = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .filter(|t| t.closest("a").ok().flatten().is_some())
            .and_then(|t| t.closest("tr").ok().flatten());
        if let Some(id) = row.and_then(|r| r.get_attribute("data-node")?.parse().ok()) {
            e.prevent_default();
            selected.set(Some(id));
        }
    };
    view! {
        <div
            class="table-wrap vlist mesh-table"
            tabindex="0"
            role="region"
            aria-label="Mesh nodes"
            data-testid="mesh-table"
            data-count=move || ids.with(Vec::len).to_string()
            node_ref=vp.node
            on:scroll=vp.on_scroll()
        >
            <table>
                <thead>
                    <tr>
                        <th>"Node"</th>
                        <th>"Role"</th>
                        <th>"Parent"</th>
                        <th class="num">"Links"</th>
                        <th class="num">"Last heard"</th>
                    </tr>
                </thead>
                <tbody on:click=open>
                    <SpacerRow rows=Signal::derive(move || win.with(|w| w.above)) cols=5 />
                    <For each=move || win.with(|w| w.ids.clone()) key=|id| *id let:id>
                        <Row id=id rows=rows />
                    </For>
                    <SpacerRow rows=Signal::derive(move || win.with(|w| w.below)) cols=5 />
                </tbody>
            </table>
        </div>
    }
}

/// One row, keyed by node id: its cells follow the node (a focused link
/// stays in place while the node is heard).
#[component]
fn Row(id: u16, rows: Memo<Vec<NodeRow>>) -> impl IntoView {
    let r = Memo::new(move |_| rows.with(|v| v.iter().find(|r| r.id == id).cloned()));
    let cell =
        move |f: fn(&NodeRow) -> String| move || r.with(|r| r.as_ref().map(f).unwrap_or_default());
    view! {
        <tr data-testid="mesh-table-row" data-node=id.to_string()>
            <td>
                <a href=format!("#/mesh?node={id}") class="mono">{hex_id(id)}</a>
                " "
                <span class="muted">{id}</span>
            </td>
            <td>{cell(|r| r.role.clone())}</td>
            <td class="mono">{cell(|r| r.parent.map_or_else(dash, hex_id))}</td>
            <td class="num">{cell(|r| r.links.to_string())}</td>
            <td class="num">{cell(|r| r.heard_ms.map_or_else(dash, |t| clock_time(t as f64)))}</td>
        </tr>
    }
}

fn dash() -> String {
    "—".to_string()
}
