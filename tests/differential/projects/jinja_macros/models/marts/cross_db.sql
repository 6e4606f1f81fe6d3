-- dbt's cross-database macros as dbt-duckdb implements them
select
    payment_id,
    {{ dbt.concat(["payment_method", "'-'", "cast(order_id as varchar)"]) }} as concatenated,
    {{ dbt.safe_cast("'12'", dbt.type_int()) }} as safe_cast_int,
    cast(amount as {{ dbt.type_string() }}) as amount_string,
    {{ dbt.date_trunc('month', 'created_at') }} as month_start,
    {{ dbt.dateadd('day', 3, 'created_at') }} as plus_three_days,
    {{ dbt.datediff("cast('2024-01-01' as date)", 'created_at', 'day') }} as days_since_new_year,
    {{ dbt.last_day('created_at', 'month') }} as month_end,
    {{ dbt.split_part('payment_method', "'_'", 1) }} as method_head,
    {{ dbt.hash('payment_method') }} as method_hash,
    {{ dbt.replace('payment_method', "'_'", "' '") }} as method_spaced,
    {{ dbt.length('payment_method') }} as method_length,
    {{ dbt.position("'card'", 'payment_method') }} as card_position,
    {{ dbt.right('payment_method', 4) }} as method_tail,
    {{ dbt.cast_bool_to_text('amount > 10') }} as over_ten
from {{ ref('stg_payments') }}
