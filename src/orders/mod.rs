//! Orders: what a shopper bought, what it cost, where it goes and how far it got.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod pages;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod webhook;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::AddressInput;
use crate::product::ProductId;
use crate::ui::Moment;

/// The number shoppers and staff quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderNumber(pub i64);

impl OrderNumber {
    pub fn href(self) -> String {
        format!("/orders/{}", self.0)
    }
}

impl std::fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "order_status", rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum OrderStatus {
    PendingPayment,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::PendingPayment,
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    /// The value filters put in URLs.
    pub fn param(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "pending",
            OrderStatus::Processing => "processing",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn from_param(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.param() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "Pending payment",
            OrderStatus::Processing => "Processing",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::Refunded => "Refunded",
        }
    }

    /// A shopper may cancel until the order leaves the warehouse.
    pub fn cancellable(self) -> bool {
        matches!(self, OrderStatus::PendingPayment | OrderStatus::Processing)
    }

    /// The class name pages style the status badge with.
    pub fn css(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "status status-pending",
            OrderStatus::Processing => "status status-processing",
            OrderStatus::Shipped => "status status-shipped",
            OrderStatus::Delivered => "status status-delivered",
            OrderStatus::Cancelled | OrderStatus::Refunded => "status status-closed",
        }
    }
}

/// What staff may do to an order. Orders move forward only: processing →
/// shipped → delivered; cancelled before shipping; a paid card order that has
/// shipped is refunded through Stripe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StaffAction {
    Ship,
    Deliver,
    Cancel,
    Refund,
}

impl StaffAction {
    pub const ALL: [StaffAction; 4] =
        [StaffAction::Ship, StaffAction::Deliver, StaffAction::Cancel, StaffAction::Refund];

    pub fn label(self) -> &'static str {
        match self {
            StaffAction::Ship => "Mark shipped",
            StaffAction::Deliver => "Mark delivered",
            StaffAction::Cancel => "Cancel order",
            StaffAction::Refund => "Refund payment",
        }
    }

    /// The value forms post.
    pub fn param(self) -> &'static str {
        match self {
            StaffAction::Ship => "ship",
            StaffAction::Deliver => "deliver",
            StaffAction::Cancel => "cancel",
            StaffAction::Refund => "refund",
        }
    }

    pub fn from_param(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.param() == value)
    }

    /// Moderators advance orders; cancelling and refunding are for admins.
    pub fn required_role(self) -> crate::account::Role {
        match self {
            StaffAction::Ship | StaffAction::Deliver => crate::account::Role::Moderator,
            StaffAction::Cancel | StaffAction::Refund => crate::account::Role::Admin,
        }
    }

    /// Whether an order in `status`, paid this way, can take this action.
    pub fn allowed(self, status: OrderStatus, method: PaymentMethod, paid: bool) -> bool {
        match self {
            StaffAction::Ship => status == OrderStatus::Processing,
            StaffAction::Deliver => status == OrderStatus::Shipped,
            StaffAction::Cancel => status.cancellable(),
            StaffAction::Refund => {
                paid && method == PaymentMethod::Card && matches!(status, OrderStatus::Shipped | OrderStatus::Delivered)
            }
        }
    }

    /// The status an order ends in.
    pub fn target(self) -> OrderStatus {
        match self {
            StaffAction::Ship => OrderStatus::Shipped,
            StaffAction::Deliver => OrderStatus::Delivered,
            StaffAction::Cancel => OrderStatus::Cancelled,
            StaffAction::Refund => OrderStatus::Refunded,
        }
    }

    /// Why it cannot be done, for the error message.
    pub fn refusal(self, status: OrderStatus) -> String {
        match self {
            StaffAction::Refund => format!(
                "Only a paid card order that has shipped can be refunded; this one is {}. Cancel an order that has not shipped.",
                status.label().to_lowercase()
            ),
            _ => format!(
                "An order that is {} cannot be {}.",
                status.label().to_lowercase(),
                match self.target() {
                    OrderStatus::Shipped => "shipped",
                    OrderStatus::Delivered => "marked delivered",
                    _ => "cancelled",
                }
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "payment_method", rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum PaymentMethod {
    Card,
    CashOnDelivery,
}

impl PaymentMethod {
    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Card => "Card",
            PaymentMethod::CashOnDelivery => "Cash on delivery",
        }
    }

    /// The value forms post.
    pub fn param(self) -> &'static str {
        match self {
            PaymentMethod::Card => "card",
            PaymentMethod::CashOnDelivery => "cash",
        }
    }

    pub fn from_param(value: &str) -> Option<Self> {
        [PaymentMethod::Card, PaymentMethod::CashOnDelivery].into_iter().find(|m| m.param() == value)
    }
}

/// A row of the order history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub number: OrderNumber,
    pub placed_at: Moment,
    pub status: OrderStatus,
    pub total: Decimal,
    pub currency: String,
    pub items: i64,
}

/// One page of the order history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHistory {
    pub orders: Vec<OrderSummary>,
    pub page: u32,
    pub has_next: bool,
}

/// Orders per history page.
pub const HISTORY_PAGE_SIZE: i64 = 10;

/// An item as it was sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product: ProductId,
    pub variant: crate::product::VariantId,
    pub name: String,
    /// The variant's option values when it was sold, "M / Blue".
    pub options: String,
    pub sku: String,
    pub unit_price: Decimal,
    pub quantity: i32,
}

impl OrderLine {
    /// "Shirt — M / Blue", or the name alone.
    pub fn title(&self) -> String {
        crate::product::rules::variant_title(&self.name, &self.options)
    }

    pub fn line_total(&self) -> Decimal {
        self.unit_price * Decimal::from(self.quantity)
    }
}

/// A step of the status timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    pub at: Moment,
    pub note: String,
}

/// Everything the order page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub number: OrderNumber,
    pub placed_at: Moment,
    pub status: OrderStatus,
    pub payment_method: PaymentMethod,
    pub paid_at: Option<Moment>,
    pub currency: String,
    pub totals: Totals,
    pub promo_code: Option<String>,
    pub address: AddressInput,
    pub lines: Vec<OrderLine>,
    pub events: Vec<OrderEvent>,
}

impl OrderDetail {
    /// A card order still waiting for its payment can be paid (again).
    pub fn awaiting_card_payment(&self) -> bool {
        self.status == OrderStatus::PendingPayment && self.payment_method == PaymentMethod::Card
    }
}

/// What happened when the shopper paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayOutcome {
    /// The order is paid and processing.
    Paid,
    /// The bank wants the shopper to authenticate (3-D Secure) in the browser.
    NeedsAction { client_secret: String },
}

/// What an order costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub shipping: Decimal,
    pub total: Decimal,
}
