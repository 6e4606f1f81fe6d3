{#- Reshaping: deduplicate, pivot, unpivot. -#}

{#-
    One row per `partition_by` group: the first by `order_by`. Both arguments
    are SQL text ("user_id", "updated_at desc"). `relation` is a relation or a
    CTE name.
-#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch('deduplicate', 'dbt_utils')(relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__deduplicate(relation, partition_by, order_by) %}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by {{ partition_by }}
        order by {{ order_by }}
    ) = 1
{% endmacro %}


{#-
    One aggregate column per value: agg(case when column cmp 'value' then
    then_value else else_value end), named prefix~value~suffix. Use with a
    group by; values usually come from get_column_values.
-#}
{% macro pivot(column, values, alias=True, agg='sum', cmp='=', prefix='', suffix='', then_value=1, else_value=0, quote_identifiers=True, distinct=False) -%}
    {{ return(adapter.dispatch('pivot', 'dbt_utils')(column, values, alias, agg, cmp, prefix, suffix, then_value, else_value, quote_identifiers, distinct)) }}
{%- endmacro %}

{% macro default__pivot(column, values, alias=True, agg='sum', cmp='=', prefix='', suffix='', then_value=1, else_value=0, quote_identifiers=True, distinct=False) -%}
    {%- for value in values %}
    {{ agg }}(
        {{- 'distinct ' if distinct -}}
        case
            when {{ column }} {{ cmp }} '{{ dbt.escape_single_quotes(value) }}'
                then {{ then_value }}
            else {{ else_value }}
        end
    )
        {%- if alias -%}
            {%- if quote_identifiers %} as {{ adapter.quote(prefix ~ value ~ suffix) }}
            {%- else %} as {{ dbt_utils.slugify(prefix ~ value ~ suffix) }}
            {%- endif -%}
        {%- endif -%}
        {{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#-
    Long format: one row per (input row, column), with columns
    <exclude columns...>, field_name (the column name) and value_name (the value
    cast to `cast_to`). Columns in `remove` are dropped entirely.
-#}
{% macro unpivot(relation=none, cast_to='varchar', exclude=none, remove=none, field_name='field_name', value_name='value', quote_identifiers=False) -%}
    {{ return(adapter.dispatch('unpivot', 'dbt_utils')(relation, cast_to, exclude, remove, field_name, value_name, quote_identifiers)) }}
{%- endmacro %}

{% macro default__unpivot(relation=none, cast_to='varchar', exclude=none, remove=none, field_name='field_name', value_name='value', quote_identifiers=False) -%}
    {%- if not relation -%}
        {{ exceptions.raise_compiler_error("Error: argument `relation` is required for `unpivot` macro.") }}
    {%- endif -%}
    {%- do dbt_utils.check_relation(relation, 'unpivot') -%}
    {%- do dbt_utils.check_not_ephemeral(relation, 'unpivot') -%}
    {%- set exclude = exclude if exclude is not none else [] -%}
    {%- set remove = remove if remove is not none else [] -%}
    {%- set skipped = (exclude | map('lower') | list) + (remove | map('lower') | list) -%}
    {%- set include_cols = [] -%}
    {%- for col in adapter.get_columns_in_relation(relation) -%}
        {%- if col.column | lower not in skipped -%}
            {%- do include_cols.append(col) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- for col in include_cols %}
    select
        {%- for kept in exclude %}
        {{ adapter.quote(kept) if quote_identifiers else kept }},
        {%- endfor %}
        cast('{{ col.column }}' as {{ dbt.type_string() }}) as {{ adapter.quote(field_name) if quote_identifiers else field_name }},
        {%- set source_col = adapter.quote(col.column) if quote_identifiers else col.column %}
        cast({{ dbt.cast_bool_to_text(source_col) if col.data_type | lower == 'boolean' else source_col }} as {{ cast_to }}) as {{ adapter.quote(value_name) if quote_identifiers else value_name }}
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
