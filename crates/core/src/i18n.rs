//! User-facing strings of the elements, in English, Russian and Ukrainian.
//!
//! Pure data plus plural rules, so the same words are used by the browser
//! elements and by anything native that speaks to customers.

use crate::store::{LocalTime, OpenStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    Ru,
    Uk,
}

impl Locale {
    /// Picks the best supported locale for a BCP 47 tag (`uk-UA` → `Uk`).
    pub fn negotiate(tag: &str) -> Locale {
        let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "ru" => Locale::Ru,
            "uk" | "ua" => Locale::Uk,
            _ => Locale::En,
        }
    }
    pub fn tag(&self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ru => "ru",
            Locale::Uk => "uk",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    AddToCart,
    Adding,
    Added,
    Cart,
    CartEmpty,
    Loading,
    LoadFailed,
    Retry,
    Subtotal,
    Total,
    Remove,
    Quantity,
    Increase,
    Decrease,
    Checkout,
    UnitPrice,
    PickupAt,
    UpdateFailed,
    BoughtTogether,
    ThisItem,
    AddSelected,
    BundleTotal,
    RecommendationsFailed,
    BundleOffer,
    Discount,
    PickupInStore,
    UseMyLocation,
    Locating,
    PostalOrCity,
    FindStores,
    LocationDenied,
    LocationUnavailable,
    NoPlace,
    NoStores,
    StockFailed,
    InStock,
    LowStock,
    OutOfStock,
    ClosestWithIt,
    Reserve,
    Reserving,
    Reserved,
    ReserveFailed,
    ViaTransfer,
    HoursUnknown,
    TemporarilyClosed,
    StoresNear,
    YourLocation,
    ReservedUntil,
    ReservationExpired,
    InvalidLocation,
    ContinueElsewhere,
    HandoffHint,
    ExpiresIn,
    HandoffExpired,
    NewCode,
    Close,
    HandoffQr,
    OfferTitle,
    OrderConfirmedShort,
    OfferEndsIn,
    OfferOff,
    AddToNewCart,
    NoThanks,
    PointsEarned,
    PointsBalance,
    OfferAccepted,
    OfferEnded,
    ViewCart,
    SoldOut,
    ChooseOne,
    YouViewed,
}

/// The text for `msg` in `locale`.
pub fn t(locale: Locale, msg: Msg) -> &'static str {
    use Locale::*;
    use Msg::*;
    match (msg, locale) {
        (AddToCart, En) => "Add to cart",
        (AddToCart, Ru) => "В корзину",
        (AddToCart, Uk) => "До кошика",
        (Adding, En) => "Adding…",
        (Adding, Ru) => "Добавляем…",
        (Adding, Uk) => "Додаємо…",
        (Added, En) => "Added to cart",
        (Added, Ru) => "Добавлено в корзину",
        (Added, Uk) => "Додано до кошика",
        (Cart, En) => "Cart",
        (Cart, Ru) => "Корзина",
        (Cart, Uk) => "Кошик",
        (CartEmpty, En) => "Your cart is empty.",
        (CartEmpty, Ru) => "Ваша корзина пуста.",
        (CartEmpty, Uk) => "Ваш кошик порожній.",
        (Loading, En) => "Loading…",
        (Loading, Ru) => "Загрузка…",
        (Loading, Uk) => "Завантаження…",
        (LoadFailed, En) => "Could not load the cart.",
        (LoadFailed, Ru) => "Не удалось загрузить корзину.",
        (LoadFailed, Uk) => "Не вдалося завантажити кошик.",
        (Retry, En) => "Try again",
        (Retry, Ru) => "Повторить",
        (Retry, Uk) => "Спробувати ще",
        (OfferTitle, En) => "Goes well with your order",
        (OfferTitle, Ru) => "Хорошо сочетается с вашим заказом",
        (OfferTitle, Uk) => "Гарно доповнить ваше замовлення",
        (OrderConfirmedShort, En) => "Your order is confirmed",
        (OrderConfirmedShort, Ru) => "Ваш заказ подтверждён",
        (OrderConfirmedShort, Uk) => "Ваше замовлення підтверджено",
        (OfferEndsIn, En) => "Offer ends in",
        (OfferEndsIn, Ru) => "Предложение действует ещё",
        (OfferEndsIn, Uk) => "Пропозиція діє ще",
        (OfferOff, En) => "off for the next few minutes",
        (OfferOff, Ru) => "скидка на несколько минут",
        (OfferOff, Uk) => "знижка на кілька хвилин",
        (AddToNewCart, En) => "Add to a new cart",
        (AddToNewCart, Ru) => "Добавить в новую корзину",
        (AddToNewCart, Uk) => "Додати до нового кошика",
        (NoThanks, En) => "No thanks",
        (NoThanks, Ru) => "Нет, спасибо",
        (NoThanks, Uk) => "Ні, дякую",
        (PointsEarned, En) => "Points earned with this order",
        (PointsEarned, Ru) => "Баллов начислено за заказ",
        (PointsEarned, Uk) => "Балів нараховано за замовлення",
        (PointsBalance, En) => "Your balance",
        (PointsBalance, Ru) => "Ваш баланс",
        (PointsBalance, Uk) => "Ваш баланс",
        (OfferAccepted, En) => "Added to a new cart, ready to check out.",
        (OfferAccepted, Ru) => "Добавлено в новую корзину, можно оформлять.",
        (OfferAccepted, Uk) => "Додано до нового кошика, можна оформлювати.",
        (OfferEnded, En) => "This offer has ended; the items are still available at their usual price.",
        (OfferEnded, Ru) => "Предложение закончилось; товары доступны по обычной цене.",
        (OfferEnded, Uk) => "Пропозиція закінчилася; товари доступні за звичайною ціною.",
        (ViewCart, En) => "View cart",
        (ViewCart, Ru) => "Перейти в корзину",
        (ViewCart, Uk) => "Перейти до кошика",
        (SoldOut, En) => "Sold out",
        (SoldOut, Ru) => "Распродано",
        (SoldOut, Uk) => "Розпродано",
        (ChooseOne, En) => "Choose at least one item.",
        (ChooseOne, Ru) => "Выберите хотя бы один товар.",
        (ChooseOne, Uk) => "Оберіть хоча б один товар.",
        (YouViewed, En) => "You looked at this",
        (YouViewed, Ru) => "Вы смотрели",
        (YouViewed, Uk) => "Ви переглядали",
        (Subtotal, En) => "Subtotal",
        (Subtotal, Ru) => "Подытог",
        (Subtotal, Uk) => "Проміжний підсумок",
        (Total, En) => "Total",
        (Total, Ru) => "Итого",
        (Total, Uk) => "Разом",
        (Remove, En) => "Remove",
        (Remove, Ru) => "Удалить",
        (Remove, Uk) => "Видалити",
        (Quantity, En) => "Quantity",
        (Quantity, Ru) => "Количество",
        (Quantity, Uk) => "Кількість",
        (Increase, En) => "Increase quantity",
        (Increase, Ru) => "Увеличить количество",
        (Increase, Uk) => "Збільшити кількість",
        (Decrease, En) => "Decrease quantity",
        (Decrease, Ru) => "Уменьшить количество",
        (Decrease, Uk) => "Зменшити кількість",
        (Checkout, En) => "Check out",
        (Checkout, Ru) => "Оформить заказ",
        (Checkout, Uk) => "Оформити замовлення",
        (UnitPrice, En) => "each",
        (UnitPrice, Ru) => "за шт.",
        (UnitPrice, Uk) => "за шт.",
        (PickupAt, En) => "Pickup at store",
        (PickupAt, Ru) => "Самовывоз из магазина",
        (PickupAt, Uk) => "Самовивіз з магазину",
        (UpdateFailed, En) => "Could not update the cart.",
        (UpdateFailed, Ru) => "Не удалось обновить корзину.",
        (UpdateFailed, Uk) => "Не вдалося оновити кошик.",
        (BoughtTogether, En) => "Frequently bought together",
        (BoughtTogether, Ru) => "Часто покупают вместе",
        (BoughtTogether, Uk) => "Часто купують разом",
        (ThisItem, En) => "This item:",
        (ThisItem, Ru) => "Этот товар:",
        (ThisItem, Uk) => "Цей товар:",
        (AddSelected, En) => "Add selected to cart",
        (AddSelected, Ru) => "Добавить выбранное в корзину",
        (AddSelected, Uk) => "Додати вибране до кошика",
        (BundleTotal, En) => "Total",
        (BundleTotal, Ru) => "Итого",
        (BundleTotal, Uk) => "Разом",
        (RecommendationsFailed, En) => "Could not load suggestions.",
        (RecommendationsFailed, Ru) => "Не удалось загрузить рекомендации.",
        (RecommendationsFailed, Uk) => "Не вдалося завантажити рекомендації.",
        (BundleOffer, En) => "off each item when bought together",
        (BundleOffer, Ru) => "скидка на каждый товар при покупке вместе",
        (BundleOffer, Uk) => "знижка на кожен товар при купівлі разом",
        (Discount, En) => "Bundle discount",
        (Discount, Ru) => "Скидка за комплект",
        (Discount, Uk) => "Знижка за комплект",
        (PickupInStore, En) => "Pick up in store",
        (PickupInStore, Ru) => "Забрать в магазине",
        (PickupInStore, Uk) => "Забрати в магазині",
        (UseMyLocation, En) => "Use my location",
        (UseMyLocation, Ru) => "Определить местоположение",
        (UseMyLocation, Uk) => "Визначити місцезнаходження",
        (Locating, En) => "Finding your location…",
        (Locating, Ru) => "Определяем местоположение…",
        (Locating, Uk) => "Визначаємо місцезнаходження…",
        (PostalOrCity, En) => "Postal code or city",
        (PostalOrCity, Ru) => "Индекс или город",
        (PostalOrCity, Uk) => "Індекс або місто",
        (FindStores, En) => "Find stores",
        (FindStores, Ru) => "Найти магазины",
        (FindStores, Uk) => "Знайти магазини",
        (LocationDenied, En) => "Location access is off. Enter a postal code or city instead.",
        (LocationDenied, Ru) => "Доступ к местоположению выключен. Введите индекс или город.",
        (LocationDenied, Uk) => "Доступ до місцезнаходження вимкнено. Введіть індекс або місто.",
        (LocationUnavailable, En) => "Could not get your location. Enter a postal code or city.",
        (LocationUnavailable, Ru) => "Не удалось определить местоположение. Введите индекс или город.",
        (LocationUnavailable, Uk) => "Не вдалося визначити місцезнаходження. Введіть індекс або місто.",
        (NoPlace, En) => "No place matches that. Try a city or a postal code.",
        (NoPlace, Ru) => "Такое место не найдено. Попробуйте город или индекс.",
        (NoPlace, Uk) => "Таке місце не знайдено. Спробуйте місто або індекс.",
        (NoStores, En) => "No stores found.",
        (NoStores, Ru) => "Магазины не найдены.",
        (NoStores, Uk) => "Магазини не знайдено.",
        (StockFailed, En) => "Could not load store stock.",
        (StockFailed, Ru) => "Не удалось загрузить наличие в магазинах.",
        (StockFailed, Uk) => "Не вдалося завантажити наявність у магазинах.",
        (InStock, En) => "In stock",
        (InStock, Ru) => "В наличии",
        (InStock, Uk) => "В наявності",
        (LowStock, En) => "Low stock",
        (LowStock, Ru) => "Мало",
        (LowStock, Uk) => "Закінчується",
        (OutOfStock, En) => "Out of stock",
        (OutOfStock, Ru) => "Нет в наличии",
        (OutOfStock, Uk) => "Немає в наявності",
        (ClosestWithIt, En) => "Closest store that has it",
        (ClosestWithIt, Ru) => "Ближайший магазин, где есть товар",
        (ClosestWithIt, Uk) => "Найближчий магазин, де є товар",
        (Reserve, En) => "Reserve for pickup",
        (Reserve, Ru) => "Зарезервировать",
        (Reserve, Uk) => "Зарезервувати",
        (Reserving, En) => "Reserving…",
        (Reserving, Ru) => "Резервируем…",
        (Reserving, Uk) => "Резервуємо…",
        (Reserved, En) => "Reserved — in your cart",
        (Reserved, Ru) => "Зарезервировано — в корзине",
        (Reserved, Uk) => "Зарезервовано — у кошику",
        (ReserveFailed, En) => "Could not reserve it.",
        (ReserveFailed, Ru) => "Не удалось зарезервировать.",
        (ReserveFailed, Uk) => "Не вдалося зарезервувати.",
        (ViaTransfer, En) => "Can be brought in from our warehouse",
        (ViaTransfer, Ru) => "Можно привезти со склада",
        (ViaTransfer, Uk) => "Можна привезти зі складу",
        (HoursUnknown, En) => "Opening hours not available",
        (HoursUnknown, Ru) => "Часы работы не указаны",
        (HoursUnknown, Uk) => "Години роботи не вказані",
        (TemporarilyClosed, En) => "Temporarily closed",
        (TemporarilyClosed, Ru) => "Временно закрыто",
        (TemporarilyClosed, Uk) => "Тимчасово зачинено",
        (StoresNear, En) => "Stores near",
        (StoresNear, Ru) => "Магазины рядом с",
        (StoresNear, Uk) => "Магазини поруч з",
        (YourLocation, En) => "your location",
        (YourLocation, Ru) => "вами",
        (YourLocation, Uk) => "вами",
        (ReservedUntil, En) => "Reserved until",
        (ReservedUntil, Ru) => "Резерв до",
        (ReservedUntil, Uk) => "Резерв до",
        (ReservationExpired, En) => "Reservation expired — checkout will try again",
        (ReservationExpired, Ru) => "Резерв истёк — попробуем снова при оформлении",
        (ContinueElsewhere, En) => "Continue on another device",
        (ContinueElsewhere, Ru) => "Продолжить на другом устройстве",
        (ContinueElsewhere, Uk) => "Продовжити на іншому пристрої",
        (HandoffHint, En) => "Scan it with your phone, or tell the code at the store counter. It works once.",
        (HandoffHint, Ru) => "Отсканируйте телефоном или назовите код на кассе магазина. Код одноразовый.",
        (HandoffHint, Uk) => "Відскануйте телефоном або назвіть код на касі магазину. Код одноразовий.",
        (ExpiresIn, En) => "Expires in",
        (ExpiresIn, Ru) => "Действует ещё",
        (ExpiresIn, Uk) => "Діє ще",
        (HandoffExpired, En) => "The code has expired.",
        (HandoffExpired, Ru) => "Срок действия кода истёк.",
        (HandoffExpired, Uk) => "Термін дії коду минув.",
        (NewCode, En) => "New code",
        (NewCode, Ru) => "Новый код",
        (NewCode, Uk) => "Новий код",
        (Close, En) => "Close",
        (Close, Ru) => "Закрыть",
        (Close, Uk) => "Закрити",
        (HandoffQr, En) => "QR code that opens this cart",
        (HandoffQr, Ru) => "QR-код, открывающий эту корзину",
        (HandoffQr, Uk) => "QR-код, що відкриває цей кошик",
        (InvalidLocation, En) => "That location is not on the map. Enter a postal code or city.",
        (InvalidLocation, Ru) => "Такого места нет на карте. Введите индекс или город.",
        (InvalidLocation, Uk) => "Такого місця немає на мапі. Введіть індекс або місто.",
        (ReservationExpired, Uk) => "Резерв сплив — спробуємо знову під час оформлення",
    }
}

/// Plural category for East Slavic languages (CLDR "one", "few", "many").
fn slavic_form(n: u64) -> usize {
    let (m10, m100) = (n % 10, n % 100);
    if m10 == 1 && m100 != 11 {
        0
    } else if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
        1
    } else {
        2
    }
}

/// "3 items", "3 товара", "3 товари".
/// "Order #1042".
pub fn order_number(locale: Locale, n: u64) -> String {
    match locale {
        Locale::En => format!("Order #{n}"),
        Locale::Ru => format!("Заказ №{n}"),
        Locale::Uk => format!("Замовлення №{n}"),
    }
}

/// "159 points".
pub fn points(locale: Locale, n: u64) -> String {
    let word = match locale {
        Locale::En => if n == 1 { "point" } else { "points" },
        Locale::Ru => ["балл", "балла", "баллов"][slavic_form(n)],
        Locale::Uk => ["бал", "бали", "балів"][slavic_form(n)],
    };
    format!("{n} {word}")
}

pub fn item_count(locale: Locale, n: u64) -> String {
    let word = match locale {
        Locale::En => if n == 1 { "item" } else { "items" },
        Locale::Ru => ["товар", "товара", "товаров"][slavic_form(n)],
        Locale::Uk => ["товар", "товари", "товарів"][slavic_form(n)],
    };
    format!("{n} {word}")
}


const WEEKDAYS: [[&str; 7]; 3] = [
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    ["пн", "вт", "ср", "чт", "пт", "сб", "вс"],
    ["пн", "вт", "ср", "чт", "пт", "сб", "нд"],
];

/// "today" / "tomorrow" / a short weekday, for a moment `day` days ahead.
fn when(locale: Locale, day: i64, weekday: u8) -> String {
    let wd = WEEKDAYS[locale as usize][usize::from(weekday % 7)];
    match (locale, day) {
        (Locale::En, 0) => "today".into(),
        (Locale::En, 1) => "tomorrow".into(),
        (Locale::En, _) => wd.into(),
        (Locale::Ru, 0) => "сегодня".into(),
        (Locale::Uk, 0) => "сьогодні".into(),
        (_, 1) => "завтра".into(),
        (Locale::Ru, _) => format!("в {wd}"),
        (Locale::Uk, _) => format!("у {wd}"),
    }
}

/// "Open · closes at 21:00", "Closed · opens tomorrow at 10:00", ...
pub fn open_status_text(locale: Locale, status: &OpenStatus) -> String {
    use Locale::*;
    match status {
        OpenStatus::Unknown => t(locale, Msg::HoursUnknown).into(),
        OpenStatus::Open { closes: None } => match locale {
            En => "Open now".into(),
            Ru => "Открыто".into(),
            Uk => "Відчинено".into(),
        },
        OpenStatus::Open { closes: Some(c) } => match locale {
            En => format!("Open · closes at {}", c.hhmm()),
            Ru => format!("Открыто · до {}", c.hhmm()),
            Uk => format!("Відчинено · до {}", c.hhmm()),
        },
        OpenStatus::Closed { opens: None } => t(locale, Msg::TemporarilyClosed).into(),
        OpenStatus::Closed { opens: Some(o) } => {
            let day = if o.day == 0 { String::new() } else { format!("{} ", when(locale, o.day, o.weekday)) };
            match locale {
                En => format!("Closed · opens {day}at {}", o.hhmm()),
                Ru => format!("Закрыто · откроется {day}в {}", o.hhmm()),
                Uk => format!("Зачинено · відчиниться {day}о {}", o.hhmm()),
            }
        }
    }
}

/// "Ready today from 15:15"; without usable hours, "Ready in about 3 h".
pub fn ready_text(locale: Locale, ready: Option<&LocalTime>, lead_hours: u32) -> String {
    use Locale::*;
    match ready {
        Some(r) if r.day < 7 => {
            let w = when(locale, r.day, r.weekday);
            match locale {
                En => format!("Ready {w} from {}", r.hhmm()),
                Ru => format!("Можно забрать {w} с {}", r.hhmm()),
                Uk => format!("Можна забрати {w} з {}", r.hhmm()),
            }
        }
        Some(r) => match locale {
            En => format!("Ready in {} days", r.day),
            Ru => format!("Можно забрать через {} дн.", r.day),
            Uk => format!("Можна забрати через {} дн.", r.day),
        },
        None => match locale {
            En => format!("Ready in about {lead_hours} h"),
            Ru => format!("Можно забрать примерно через {lead_hours} ч"),
            Uk => format!("Можна забрати приблизно за {lead_hours} год"),
        },
    }
}

/// "850 m", "3.2 km" ("3,2 км"), "120 km".
pub fn distance_text(locale: Locale, metres: f64) -> String {
    let (m, km) = match locale {
        Locale::En => ("m", "km"),
        _ => ("м", "км"),
    };
    if metres < 950.0 {
        format!("{} {m}", ((metres / 10.0).round() * 10.0) as i64)
    } else if metres < 9_950.0 {
        // Integer tenths: float formatting would add ~20 KiB to the browser build.
        let tenths = (metres / 100.0).round() as i64;
        let sep = if locale == Locale::En { '.' } else { ',' };
        format!("{}{sep}{} {km}", tenths / 10, tenths % 10)
    } else {
        format!("{} {km}", (metres / 1000.0).round() as i64)
    }
}

/// "Only 2 left", "Осталось 2 шт.".
pub fn only_left(locale: Locale, n: u32) -> String {
    match locale {
        Locale::En => format!("Only {n} left"),
        Locale::Ru => format!("Осталось {n} шт."),
        Locale::Uk => format!("Залишилось {n} шт."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_count(locale: Locale, n: u64, expected: &str) {
        assert_eq!(item_count(locale, n), expected);
    }

    #[test]
    fn plurals() {
        check_count(Locale::En, 0, "0 items");
        check_count(Locale::En, 1, "1 item");
        check_count(Locale::En, 2, "2 items");
        check_count(Locale::Ru, 1, "1 товар");
        check_count(Locale::Ru, 3, "3 товара");
        check_count(Locale::Ru, 5, "5 товаров");
        check_count(Locale::Ru, 11, "11 товаров");
        check_count(Locale::Ru, 21, "21 товар");
        check_count(Locale::Ru, 112, "112 товаров");
        check_count(Locale::Uk, 2, "2 товари");
        check_count(Locale::Uk, 14, "14 товарів");
        check_count(Locale::Uk, 22, "22 товари");
    }

    fn check_negotiate(tag: &str, expected: Locale) {
        assert_eq!(Locale::negotiate(tag), expected, "{tag}");
    }

    #[test]
    fn negotiation() {
        check_negotiate("uk-UA", Locale::Uk);
        check_negotiate("ru", Locale::Ru);
        check_negotiate("RU_ru", Locale::Ru);
        check_negotiate("de-DE", Locale::En);
        check_negotiate("", Locale::En);
    }

    fn lt(day: i64, minute: u16, weekday: u8) -> LocalTime {
        LocalTime { day, minute, weekday, utc_ms: 0 }
    }

    #[test]
    fn store_texts() {
        assert_eq!(open_status_text(Locale::En, &OpenStatus::Open { closes: Some(lt(0, 21 * 60, 0)) }), "Open · closes at 21:00");
        assert_eq!(open_status_text(Locale::En, &OpenStatus::Closed { opens: Some(lt(1, 600, 1)) }), "Closed · opens tomorrow at 10:00");
        assert_eq!(open_status_text(Locale::En, &OpenStatus::Closed { opens: Some(lt(0, 600, 1)) }), "Closed · opens at 10:00");
        assert_eq!(open_status_text(Locale::Ru, &OpenStatus::Closed { opens: Some(lt(2, 600, 0)) }), "Закрыто · откроется в пн в 10:00");
        assert_eq!(open_status_text(Locale::Uk, &OpenStatus::Closed { opens: Some(lt(3, 570, 6)) }), "Зачинено · відчиниться у нд о 09:30");
        assert_eq!(open_status_text(Locale::Uk, &OpenStatus::Unknown), "Години роботи не вказані");
        assert_eq!(ready_text(Locale::En, Some(&lt(0, 915, 0)), 2), "Ready today from 15:15");
        assert_eq!(ready_text(Locale::Ru, Some(&lt(1, 600, 0)), 2), "Можно забрать завтра с 10:00");
        assert_eq!(ready_text(Locale::En, None, 3), "Ready in about 3 h");
        assert_eq!(distance_text(Locale::En, 849.0), "850 m");
        assert_eq!(distance_text(Locale::Uk, 3_240.0), "3,2 км");
        assert_eq!(distance_text(Locale::En, 120_400.0), "120 km");
        assert_eq!(only_left(Locale::En, 2), "Only 2 left");
    }
}
