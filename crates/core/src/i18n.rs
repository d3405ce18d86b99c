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

/// A message with a text in every locale.
pub trait Text: Copy {
    fn text(self, locale: Locale) -> &'static str;
}

/// The text for `msg` in `locale`.
pub fn t(locale: Locale, msg: impl Text) -> &'static str {
    msg.text(locale)
}

/// An enum of messages and their texts, one table per enum, so each part of
/// the browser build carries only its own element's words.
macro_rules! messages {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => [$en:literal, $ru:literal, $uk:literal]),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),* }
        impl Text for $name {
            fn text(self, locale: Locale) -> &'static str {
                const TEXTS: &[[&str; 3]] = &[$([$en, $ru, $uk]),*];
                TEXTS[self as usize][locale as usize]
            }
        }
    };
}

messages! {
    /// The texts several elements share (in the main module of the browser build).
    Msg {
        AddToCart => ["Add to cart", "В корзину", "До кошика"],
        Adding => ["Adding…", "Добавляем…", "Додаємо…"],
        Added => ["Added to cart", "Добавлено в корзину", "Додано до кошика"],
        Cart => ["Cart", "Корзина", "Кошик"],
        Loading => ["Loading…", "Загрузка…", "Завантаження…"],
        Retry => ["Try again", "Повторить", "Спробувати ще"],
        ViaTransfer => ["Can be brought in from our warehouse", "Можно привезти со склада", "Можна привезти зі складу"],
        ContinueElsewhere => ["Continue on another device", "Продолжить на другом устройстве", "Продовжити на іншому пристрої"],
        Close => ["Close", "Закрыть", "Закрити"],
    }
}

messages! {
    /// `<cc-cart>`'s texts (in the cart chunk).
    CartMsg {
        CartEmpty => ["Your cart is empty.", "Ваша корзина пуста.", "Ваш кошик порожній."],
        LoadFailed => ["Could not load the cart.", "Не удалось загрузить корзину.", "Не вдалося завантажити кошик."],
        Subtotal => ["Subtotal", "Подытог", "Проміжний підсумок"],
        Total => ["Total", "Итого", "Разом"],
        Remove => ["Remove", "Удалить", "Видалити"],
        Quantity => ["Quantity", "Количество", "Кількість"],
        Increase => ["Increase quantity", "Увеличить количество", "Збільшити кількість"],
        Decrease => ["Decrease quantity", "Уменьшить количество", "Зменшити кількість"],
        Checkout => ["Check out", "Оформить заказ", "Оформити замовлення"],
        UnitPrice => ["each", "за шт.", "за шт."],
        PickupAt => ["Pickup at store", "Самовывоз из магазина", "Самовивіз з магазину"],
        UpdateFailed => ["Could not update the cart.", "Не удалось обновить корзину.", "Не вдалося оновити кошик."],
        Discount => ["Bundle discount", "Скидка за комплект", "Знижка за комплект"],
        OfferDiscount => ["Offer discount", "Скидка по предложению", "Знижка за пропозицією"],
        CodeDiscount => ["Code", "Промокод", "Промокод"],
        Promotion => ["Discount", "Скидка", "Знижка"],
        Shipping => ["Shipping", "Доставка", "Доставка"],
        Fees => ["Fees", "Сборы", "Збори"],
        Tax => ["Tax", "Налог", "Податок"],
        TaxIncluded => ["Including tax", "Включая налог", "Включно з податком"],
        ReservedUntil => ["Reserved until", "Резерв до", "Резерв до"],
        ReservationExpired => ["Reservation expired — checkout will try again", "Резерв истёк — попробуем снова при оформлении", "Резерв сплив — спробуємо знову під час оформлення"],
        Removed => ["Removed", "Удалено", "Видалено"],
        Undo => ["Undo", "Вернуть", "Повернути"],
        DiscountCode => ["Discount code", "Промокод", "Промокод"],
        Apply => ["Apply", "Применить", "Застосувати"],
        NotApplied => ["not applied now", "сейчас не действует", "зараз не діє"],
        RemoveCode => ["Remove code", "Убрать промокод", "Прибрати промокод"],
        YouSave => ["You save", "Ваша экономия", "Ви заощаджуєте"],
        FreeShipping => ["Free shipping", "Бесплатная доставка", "Безкоштовна доставка"],
        AddNote => ["Add a note", "Добавить комментарий", "Додати коментар"],
        Note => ["Note for the shop", "Комментарий для магазина", "Коментар для магазину"],
        NoteSaved => ["Note saved", "Комментарий сохранён", "Коментар збережено"],
        NoteRefused => ["The shop cannot take this note: plain text only, at most 500 characters.", "Магазин не может принять этот комментарий: только обычный текст, не более 500 символов.", "Магазин не може прийняти цей коментар: лише звичайний текст, не більше 500 символів."],
    }
}

messages! {
    /// Why a discount code was refused (`<cc-cart>`), by the protocol's `code_…` error.
    CodeMsg {
        Unknown => ["This code does not exist.", "Такого промокода нет.", "Такого промокоду немає."],
        NotStarted => ["This code is not valid yet.", "Промокод ещё не действует.", "Промокод ще не діє."],
        Expired => ["This code has expired.", "Срок действия промокода истёк.", "Термін дії промокоду минув."],
        Minimum => ["Your cart is below this code's minimum.", "Сумма корзины меньше минимальной для этого промокода.", "Сума кошика менша за мінімальну для цього промокоду."],
        UsedUp => ["This code has been used up.", "Промокод уже исчерпан.", "Промокод вичерпано."],
        UsedByYou => ["You have already used this code.", "Вы уже использовали этот промокод.", "Ви вже використали цей промокод."],
        NotCombinable => ["This code cannot be combined with your other code.", "Этот промокод нельзя сочетать с другим.", "Цей промокод не можна поєднати з іншим."],
        TooMany => ["Your cart holds as many codes as it can.", "В корзине уже максимум промокодов.", "У кошику вже максимум промокодів."],
        NotApplicable => ["This code does not apply to your cart.", "Промокод не подходит к вашей корзине.", "Промокод не підходить до вашого кошика."],
    }
}

impl CodeMsg {
    /// The message for a refusal (see `crate::promo::Refusal`).
    pub fn of(r: &crate::promo::Refusal) -> CodeMsg {
        use crate::promo::Refusal as R;
        match r {
            R::Unknown => CodeMsg::Unknown,
            R::NotStarted => CodeMsg::NotStarted,
            R::Expired => CodeMsg::Expired,
            R::Minimum(_) => CodeMsg::Minimum,
            R::UsedUp => CodeMsg::UsedUp,
            R::UsedByYou => CodeMsg::UsedByYou,
            R::NotCombinable => CodeMsg::NotCombinable,
            R::TooMany => CodeMsg::TooMany,
            R::NotApplicable => CodeMsg::NotApplicable,
        }
    }
}

messages! {
    /// What a shopper is told when the shop refuses or fails: never the
    /// backend's own text (that goes to the console for the developer).
    ErrorMsg {
        Offline => ["Could not reach the shop. Check your connection.", "Нет связи с магазином. Проверьте подключение.", "Немає зв'язку з магазином. Перевірте з'єднання."],
        OutOfStock => ["Not enough in stock.", "Недостаточно на складе.", "Недостатньо на складі."],
        BadQuantity => ["Choose 1 to 999.", "Выберите от 1 до 999.", "Виберіть від 1 до 999."],
        CartFull => ["Your cart is full.", "Корзина заполнена.", "Кошик заповнений."],
        Gone => ["No longer available. Reload the page.", "Больше недоступно. Обновите страницу.", "Більше недоступно. Оновіть сторінку."],
        NotSold => ["Not sold here.", "Здесь не продаётся.", "Тут не продається."],
        SignInAgain => ["Please sign in again.", "Войдите снова.", "Увійдіть знову."],
        TooMany => ["Too many tries. Wait a moment.", "Слишком много попыток. Подождите.", "Забагато спроб. Зачекайте."],
        Changed => ["The cart changed elsewhere. Try again.", "Корзина изменилась. Попробуйте снова.", "Кошик змінився. Спробуйте ще раз."],
        Busy => ["The shop is busy. Try again soon.", "Магазин занят. Попробуйте позже.", "Магазин зайнятий. Спробуйте пізніше."],
        Unsupported => ["This shop does not offer that.", "Магазин этого не предлагает.", "Магазин цього не пропонує."],
        Failed => ["That did not work. Try again.", "Не получилось. Попробуйте снова.", "Не вийшло. Спробуйте ще раз."],
        Unreadable => ["The shop's answer was unreadable. Try again later.", "Ответ магазина не прочитан. Попробуйте позже.", "Відповідь магазину не прочитано. Спробуйте пізніше."],
    }
}

messages! {
    /// `<cc-bought-together>`'s texts.
    BundleMsg {
        BoughtTogether => ["Frequently bought together", "Часто покупают вместе", "Часто купують разом"],
        ThisItem => ["This item:", "Этот товар:", "Цей товар:"],
        AddSelected => ["Add selected to cart", "Добавить выбранное в корзину", "Додати вибране до кошика"],
        BundleTotal => ["Total", "Итого", "Разом"],
        RecommendationsFailed => ["Could not load suggestions.", "Не удалось загрузить рекомендации.", "Не вдалося завантажити рекомендації."],
        BundleOffer => ["off each item when bought together", "скидка на каждый товар при покупке вместе", "знижка на кожен товар при купівлі разом"],
    }
}

messages! {
    /// `<cc-store-stock>`'s texts.
    StockMsg {
        PickupInStore => ["Pick up in store", "Забрать в магазине", "Забрати в магазині"],
        UseMyLocation => ["Use my location", "Определить местоположение", "Визначити місцезнаходження"],
        Locating => ["Finding your location…", "Определяем местоположение…", "Визначаємо місцезнаходження…"],
        PostalOrCity => ["Postal code or city", "Индекс или город", "Індекс або місто"],
        FindStores => ["Find stores", "Найти магазины", "Знайти магазини"],
        LocationDenied => ["Location access is off. Enter a postal code or city instead.", "Доступ к местоположению выключен. Введите индекс или город.", "Доступ до місцезнаходження вимкнено. Введіть індекс або місто."],
        LocationUnavailable => ["Could not get your location. Enter a postal code or city.", "Не удалось определить местоположение. Введите индекс или город.", "Не вдалося визначити місцезнаходження. Введіть індекс або місто."],
        NoPlace => ["No place matches that. Try a city or a postal code.", "Такое место не найдено. Попробуйте город или индекс.", "Таке місце не знайдено. Спробуйте місто або індекс."],
        NoStores => ["No stores found.", "Магазины не найдены.", "Магазини не знайдено."],
        StockFailed => ["Could not load store stock.", "Не удалось загрузить наличие в магазинах.", "Не вдалося завантажити наявність у магазинах."],
        InStock => ["In stock", "В наличии", "В наявності"],
        LowStock => ["Low stock", "Мало", "Закінчується"],
        OutOfStock => ["Out of stock", "Нет в наличии", "Немає в наявності"],
        ClosestWithIt => ["Closest store that has it", "Ближайший магазин, где есть товар", "Найближчий магазин, де є товар"],
        Reserve => ["Reserve for pickup", "Зарезервировать", "Зарезервувати"],
        Reserving => ["Reserving…", "Резервируем…", "Резервуємо…"],
        Reserved => ["Reserved — in your cart", "Зарезервировано — в корзине", "Зарезервовано — у кошику"],
        ReserveFailed => ["Could not reserve it.", "Не удалось зарезервировать.", "Не вдалося зарезервувати."],
        HoursUnknown => ["Opening hours not available", "Часы работы не указаны", "Години роботи не вказані"],
        TemporarilyClosed => ["Temporarily closed", "Временно закрыто", "Тимчасово зачинено"],
        StoresNear => ["Stores near", "Магазины рядом с", "Магазини поруч з"],
        YourLocation => ["your location", "вами", "вами"],
        InvalidLocation => ["That location is not on the map. Enter a postal code or city.", "Такого места нет на карте. Введите индекс или город.", "Такого місця немає на мапі. Введіть індекс або місто."],
    }
}

messages! {
    /// The handoff panel's texts.
    HandoffMsg {
        HandoffHint => ["Scan it with your phone, or tell the code at the store counter. It works once.", "Отсканируйте телефоном или назовите код на кассе магазина. Код одноразовый.", "Відскануйте телефоном або назвіть код на касі магазину. Код одноразовий."],
        ExpiresIn => ["Expires in", "Действует ещё", "Діє ще"],
        HandoffExpired => ["The code has expired.", "Срок действия кода истёк.", "Термін дії коду минув."],
        NewCode => ["New code", "Новый код", "Новий код"],
        HandoffQr => ["QR code that opens this cart", "QR-код, открывающий эту корзину", "QR-код, що відкриває цей кошик"],
    }
}

messages! {
    /// `<cc-post-checkout>`'s texts.
    OfferMsg {
        OfferTitle => ["Goes well with your order", "Хорошо сочетается с вашим заказом", "Гарно доповнить ваше замовлення"],
        OrderConfirmedShort => ["Your order is confirmed", "Ваш заказ подтверждён", "Ваше замовлення підтверджено"],
        OfferEndsIn => ["Offer ends in", "Предложение действует ещё", "Пропозиція діє ще"],
        OfferOff => ["off for the next few minutes", "скидка на несколько минут", "знижка на кілька хвилин"],
        AddToNewCart => ["Add to a new cart", "Добавить в новую корзину", "Додати до нового кошика"],
        NoThanks => ["No thanks", "Нет, спасибо", "Ні, дякую"],
        PointsEarned => ["Points earned with this order", "Баллов начислено за заказ", "Балів нараховано за замовлення"],
        PointsBalance => ["Your balance", "Ваш баланс", "Ваш баланс"],
        OfferAccepted => ["Added to a new cart, ready to check out.", "Добавлено в новую корзину, можно оформлять.", "Додано до нового кошика, можна оформлювати."],
        OfferEnded => ["This offer has ended; the items are still available at their usual price.", "Предложение закончилось; товары доступны по обычной цене.", "Пропозиція закінчилася; товари доступні за звичайною ціною."],
        ViewCart => ["View cart", "Перейти в корзину", "Перейти до кошика"],
        SoldOut => ["Sold out", "Распродано", "Розпродано"],
        ChooseOne => ["Choose at least one item.", "Выберите хотя бы один товар.", "Оберіть хоча б один товар."],
        YouViewed => ["You looked at this", "Вы смотрели", "Ви переглядали"],
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
        OpenStatus::Unknown => t(locale, StockMsg::HoursUnknown).into(),
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
        OpenStatus::Closed { opens: None } => t(locale, StockMsg::TemporarilyClosed).into(),
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
/// "€12.50 more for free shipping", with the amount already formatted.
pub fn more_for_free_shipping(locale: Locale, amount: &str) -> String {
    match locale {
        Locale::En => format!("{amount} more for free shipping"),
        Locale::Ru => format!("Ещё {amount} до бесплатной доставки"),
        Locale::Uk => format!("Ще {amount} до безкоштовної доставки"),
    }
}

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
