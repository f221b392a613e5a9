//! The dashboard's revenue chart: an SVG bar chart rendered on the server, so
//! it reads without JavaScript, with a title, a description and a data table
//! as its text alternative.

use leptos::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::DayRevenue;
use crate::money::use_currency;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 64.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

/// A round number at or above `max` for the top of the scale (1, 2 or 5 × 10ⁿ).
pub fn scale_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 10.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|top| *top >= max).unwrap_or(10.0 * magnitude)
}

#[component]
pub fn RevenueChart(days: Vec<DayRevenue>) -> impl IntoView {
    let currency = use_currency();
    let max = days.iter().map(|d| d.revenue.to_f64().unwrap_or(0.0)).fold(0.0, f64::max);
    let top = scale_top(max);
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / days.len().max(1) as f64;
    let total: Decimal = days.iter().map(|d| d.revenue).sum();
    let best = days.iter().max_by_key(|d| d.revenue).filter(|d| d.revenue > Decimal::ZERO);
    let description = match best {
        Some(best) => format!(
            "{} in the last {} days; the best day was {} with {}.",
            currency.format(total),
            days.len(),
            best.day,
            currency.format(best.revenue)
        ),
        None => format!("No revenue in the last {} days.", days.len()),
    };
    let gridlines = (0..=4)
        .map(|i| {
            let value = top * f64::from(i) / 4.0;
            let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
            let label = currency.format(Decimal::from_f64_retain(value).unwrap_or_default().round_dp(0));
            view! {
                <line x1=LEFT x2=WIDTH - 8.0 y1=y y2=y class="chart-grid" />
                <text x=LEFT - 6.0 y=y + 4.0 text-anchor="end" class="chart-label">{label}</text>
            }
        })
        .collect_view();
    let label_every = (days.len() / 6).max(1);
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let value = d.revenue.to_f64().unwrap_or(0.0);
            let h = if top > 0.0 { plot_h * value / top } else { 0.0 };
            let x = LEFT + slot * i as f64 + slot * 0.15;
            let title = format!("{}: {} ({} orders)", d.day, currency.format(d.revenue), d.orders);
            let label = (i % label_every == 0 || i + 1 == days.len()).then(|| {
                view! {
                    <text x=x + slot * 0.35 y=HEIGHT - 8.0 text-anchor="middle" class="chart-label">{d.day[5..].to_owned()}</text>
                }
            });
            view! {
                <rect x=x y=TOP + plot_h - h width=slot * 0.7 height=h.max(0.0) class="chart-bar"><title>{title}</title></rect>
                {label}
            }
        })
        .collect_view();
    view! {
        <figure class="revenue-chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby="chart-title chart-desc" class="chart">
                <title id="chart-title">"Revenue per day, last 30 days"</title>
                <desc id="chart-desc">{description.clone()}</desc>
                {gridlines}
                {bars}
            </svg>
            <figcaption>{description}</figcaption>
            <details>
                <summary>"Revenue per day as a table"</summary>
                <table class="admin-table">
                    <thead><tr><th scope="col">"Day"</th><th scope="col">"Orders"</th><th scope="col">"Revenue"</th></tr></thead>
                    <tbody>
                        {days.iter().rev().map(|d| view! {
                            <tr><th scope="row">{d.day.clone()}</th><td>{d.orders}</td><td>{currency.format(d.revenue)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::scale_top;

    #[test]
    fn the_scale_ends_on_a_round_number() {
        assert_eq!(scale_top(0.0), 10.0);
        assert_eq!(scale_top(7.3), 10.0);
        assert_eq!(scale_top(123.0), 200.0);
        assert_eq!(scale_top(480.0), 500.0);
        assert_eq!(scale_top(1000.0), 1000.0);
    }
}
