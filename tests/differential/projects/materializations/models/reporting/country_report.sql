-- a view in the reporting schema over a table in the marts schema
select country, sum(n_orders) as n_orders, sum(total_amount) as total_amount
from {{ ref('customer_orders') }}
group by country
