-- a table (custom schema from the folder) reading an ephemeral
select
    c.customer_id,
    c.customer_name,
    c.country,
    coalesce(t.n_orders, 0) as n_orders,
    coalesce(t.total_amount, 0) as total_amount,
    t.last_order_date
from {{ ref('stg_customers') }} as c
left join {{ ref('eph_order_totals') }} as t using (customer_id)
