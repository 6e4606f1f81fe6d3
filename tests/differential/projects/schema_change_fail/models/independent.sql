-- unrelated to the failing model: rebuilt every phase
select count(*) as n, sum(price) as total_price from {{ ref('items') }}
