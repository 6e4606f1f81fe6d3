-- The incremental fct_daily_sales must agree, day by day, with a full recomputation from stg_orders.
with expected as (
    select
        cast(ordered_at as date) as sale_date,
        sum(order_amount) as revenue,
        sum(quantity) as quantity
    from {{ ref('stg_orders') }}
    where order_status not in ('cancelled', 'refunded')
    group by 1
),

actual as (
    select
        sale_date,
        sum(total_revenue) as revenue,
        sum(total_quantity) as quantity
    from {{ ref('fct_daily_sales') }}
    group by 1
)

select
    coalesce(expected.sale_date, actual.sale_date) as sale_date,
    expected.revenue as expected_revenue,
    actual.revenue as actual_revenue,
    expected.quantity as expected_quantity,
    actual.quantity as actual_quantity
from expected
full outer join actual
    on expected.sale_date = actual.sale_date
where expected.revenue is null
   or actual.revenue is null
   or expected.revenue <> actual.revenue
   or expected.quantity <> actual.quantity
