# header only
@problemName NoData
@univariate true
@classLabel true a b
