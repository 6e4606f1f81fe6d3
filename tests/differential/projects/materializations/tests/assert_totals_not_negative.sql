-- singular test: returns the failing rows
select * from {{ ref('customer_orders') }} where total_amount < 0
